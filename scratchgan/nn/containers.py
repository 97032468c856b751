"""Containers: ModuleList and ModuleDict (registered children, no forward of
their own) and Sequential (the chain rule over a list of layers)."""
from collections import OrderedDict

from .module import Module


class ModuleList(Module):
    """A list of modules whose parameters are registered, as ``torch.nn.ModuleList``.

    Children are named "0", "1", ... (so state dict keys read "blocks.0.weight").
    It has no forward of its own: a network iterates over it in its forward
    and, in reverse, in its backward.
    """

    def __init__(self, modules=()):
        super().__init__()
        object.__setattr__(self, "_items", [])
        self.extend(modules)

    def _check(self, m, where):
        if not isinstance(m, Module):
            raise TypeError(f"{type(self).__name__}: {where} is {type(m).__name__}, "
                            "not a Module")
        return m

    def append(self, module):
        self._items.append(self._check(module, f"item {len(self._items)}"))
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        self._items.insert(index, self._check(module, f"item {index}"))

    def named_children(self):
        for i, m in enumerate(self._items):
            yield str(i), m

    def forward(self, *args):
        raise TypeError(f"{type(self).__name__} has no forward; iterate over it")

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ModuleList(self._items[i])
        return self._items[i]

    def __setitem__(self, i, module):
        self._items[i] = self._check(module, f"item {i}")

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, as ``torch.nn.ModuleDict``.

    Children are named by their keys, in insertion order.
    """

    def __init__(self, modules=None):
        super().__init__()
        object.__setattr__(self, "_items", OrderedDict())
        for key, m in dict(modules or {}).items():
            self[key] = m

    def named_children(self):
        yield from self._items.items()

    def forward(self, *args):
        raise TypeError(f"{type(self).__name__} has no forward; look modules up by key")

    def __getitem__(self, key):
        return self._items[key]

    def __setitem__(self, key, module):
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: item {key!r} is "
                            f"{type(module).__name__}, not a Module")
        self._items[str(key)] = module

    def __contains__(self, key):
        return key in self._items

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()


class Sequential(Module):
    """Apply modules in order; backward applies their backwards in reverse.

    forward:  h_1 = f_1(x), h_2 = f_2(h_1), ..., y = f_n(h_{n-1})
    backward: dx = f_1'(...f_{n-1}'(f_n'(dy)))   (the chain rule, right to left)

    The cache of one forward is its list of intermediate outputs h_1 ..
    h_{n-1}: backward hands each layer the output of *its* forward, so
    every layer finds its own cache even when the network ran several
    forwards before this backward.
    """

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is {type(m).__name__}, "
                                "not a Module")
        self.layers = ModuleList(modules)

    def named_children(self):
        yield from self.layers.named_children()

    def forward(self, x):
        if not len(self.layers):
            return self.remember(x.view(), ())          # the identity, as PyTorch's
        hidden = []
        for layer in self.layers:
            x = layer(x)
            hidden.append(x)
        return self.remember(x, tuple(hidden[:-1]))     # y itself is the key

    def backward(self, dy, output=None, input_grad=True):
        """Back-propagate through every layer, last to first.

        ``input_grad=False`` says the caller does not need dL/dx (D's own step:
        the data needs no gradient), so the first layer with parameters skips
        that product if it can (Linear, Conv2d; a Flatten before it has nothing
        to learn), as PyTorch skips gradients nobody asked for.
        Returns dL/dx, or None when it was skipped.
        """
        y, hidden = self.recall(output)
        outputs = hidden + (y,)                       # what each layer returned
        # The first layer with parameters: layers before it (Flatten, Reshape)
        # have nothing to learn, so without input_grad the chain may stop there.
        first = None if input_grad else next((layer for layer in self.layers
                                              if layer.parameters()), None)
        for layer, out in zip(reversed(self.layers), reversed(outputs)):
            if layer is first and not input_grad and getattr(layer, "skips_input_grad", False):
                return layer.backward(dy, out, input_grad=False)
            dy = layer.backward(dy, out)
        return dy

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
