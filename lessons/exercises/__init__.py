"""Exercises for the fourteen lessons: one file per lesson, checks included (see README.md)."""
