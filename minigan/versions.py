"""Version counters: how autograd notices that a value saved for backward was changed in place.

Every tensor carries a counter (``t._version``) that each in-place change adds one to. A
detached alias (``t.detach()``, ``t.data``) shares its tensor's counter, since it shares the
storage. When an op records, :func:`record` notes, for each array its forward saved that is one
of its inputs or its output, that tensor's counter and its value at that moment.
:func:`check`, run just before the op's backward, compares: a different value means the saved
array no longer holds what forward saw, and the gradient would be wrong, so it is an error
(PyTorch's message, naming the op).
"""


def new_counter():
    """A counter that several tensors can share (a one-element list: cheap, mutable)."""
    return [0]


def record(ctx, inputs, output):
    """Remember the versions of the inputs and output whose arrays ``ctx`` saved."""
    saved = ctx.saved_tensors
    if not saved:
        return
    marks = []
    for s in saved:
        for i, t in enumerate(inputs):
            if t is not None and (s is t.array or s is t):
                marks.append((f"input {i}", _describe(t), t._vc, t._vc[0]))
                break
        else:
            if s is output.array or s is output:
                marks.append(("output 0", _describe(output), output._vc, output._vc[0]))
    if marks:
        ctx.saved_versions = marks


def _describe(t):
    # dtype and shape, not the tensor: holding the output here would make a reference cycle
    return t.array.dtype, t.array.shape


def check(node):
    """RuntimeError if a tensor saved by ``node``'s op was changed in place after it ran."""
    for which, what, counter, expected in getattr(node.ctx, "saved_versions", ()):
        if counter[0] != expected:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{what[0]} tensor of shape {list(what[1])}], which is "
                f"{which} of {node.name}Backward, is at version {counter[0]}; expected version "
                f"{expected} instead. Hint: compute the changed value out of place "
                "(y = y + 1 instead of y += 1), or clone() the tensor before changing it.")
