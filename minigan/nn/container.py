"""Sequential: layers applied one after another, named 0, 1, 2, ..."""
from .module import Module


class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module")
            self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, index):
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*layers[index])
        if not -len(layers) <= index < len(layers):
            raise IndexError(f"Sequential has {len(layers)} layers; index {index} is out of range")
        return layers[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the owning Module finds (a plain list hides them);
    named 0, 1, 2, ... like Sequential, but with no forward of its own."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _check(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList holds Modules, got a {type(module).__name__}")
        return module

    def append(self, module):
        self.add_module(str(len(self)), self._check(module))
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        layers = list(self._modules.values())
        layers.insert(index, self._check(module))
        self._modules.clear()
        for i, m in enumerate(layers):
            self.add_module(str(i), m)

    def __getitem__(self, index):
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(layers[index])
        if not -len(layers) <= index < len(layers):
            raise IndexError(f"ModuleList has {len(layers)} modules; index {index} is out of range")
        return layers[index]

    def __setitem__(self, index, module):
        key = list(self._modules)[index]
        self._modules[key] = self._check(module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward: iterate over it in your own forward()")
