"""What every optimizer shares: parameter groups, zero_grad, and state_dict for checkpoints."""
from collections import defaultdict

from .. import backend
from ..tensor import Tensor, is_array


class Optimizer:
    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list: pass model.parameters()")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        for group in groups:
            group = {**defaults, **group, "params": list(group["params"])}
            for p in group["params"]:
                if not isinstance(p, Tensor):
                    raise TypeError(f"{type(self).__name__} optimizes Tensors, got a {type(p).__name__}")
                # a parameter with requires_grad=False is accepted, as in PyTorch: it never gets
                # a .grad, so step() leaves it alone (a frozen layer can be unfrozen later)
            self.param_groups.append(group)
        # the parameter itself -> its dict of arrays and counters (PyTorch's opt.state[p]); a
        # Tensor hashes by identity, and keying by the object, not id(p), means a state can
        # never pass to another tensor that reuses a collected one's id
        self.state = defaultdict(dict)

    def _params(self):
        for group in self.param_groups:
            for p in group["params"]:
                yield group, p

    def _gradients(self):
        """(group, parameter, gradient array) for each parameter that has a gradient; with
        ``weight_decay`` set, the gradient is g + weight_decay * p (PyTorch's L2 form)."""
        for group, p in self._params():
            if p.grad is None:
                continue
            g = p.grad.array
            if group.get("weight_decay"):
                g = g + p.dtype.type(group["weight_decay"]) * p.array
            yield group, p, g

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of the last step: every .grad becomes None (PyTorch 2's default)
        or, with ``set_to_none=False``, is filled with zeros in place."""
        for _, p in self._params():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.array[...] = 0

    def step(self):
        raise NotImplementedError

    def state_dict(self):
        """Settings and per-parameter state; parameters are numbered in the order given."""
        index = {id(p): i for i, (_, p) in enumerate(self._params())}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        state = {index[id(p)]: dict(v) for p, v in self.state.items() if id(p) in index and v}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        params = [p for _, p in self._params()]
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(g["params"]) != len(own["params"]) for g, own in zip(groups, self.param_groups)):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the saved state has a different "
                             "number of parameters than this optimizer")
        for g, own in zip(groups, self.param_groups):
            own.update({k: v for k, v in g.items() if k != "params"})
        self.state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            entry = {}
            for k, v in s.items():
                if is_array(v):     # 0-d arrays too (state of a scalar parameter): copy, never alias
                    if tuple(v.shape) != p.shape:
                        raise ValueError(f"{type(self).__name__}.load_state_dict: state {k!r} of parameter "
                                         f"{i} has shape {tuple(v.shape)}, the parameter {p.shape}")
                    v = backend.to_backend(v, p.backend).astype(p.dtype, copy=True)
                entry[k] = v
            self.state[p] = entry
