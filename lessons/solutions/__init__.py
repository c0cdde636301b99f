"""The teacher's keys to lessons/exercises: one file per lesson, the same function names."""
