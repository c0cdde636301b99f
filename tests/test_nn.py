"""minigan.nn: printouts in PyTorch's format, state_dict, parameters, init, modes, containers."""
import math

import numpy as np
import pytest

import minigan
import minigan.functional as F
import minigan.nn as nn
from tests.conftest import leaf


class Gan(nn.Module):
    def __init__(self):
        super().__init__()
        self.G = nn.Sequential(nn.Linear(100, 128), nn.LeakyReLU(0.2, inplace=True),
                               nn.Linear(128, 784), nn.Tanh())
        self.D = nn.Sequential(nn.Flatten(), nn.Linear(784, 1, bias=False), nn.Sigmoid())

    def forward(self, z):
        return self.D(self.G(z))


class WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("running", minigan.zeros(2))
        self.register_buffer("count", minigan.tensor(np.array(0, dtype=np.int64)))

    def forward(self, x):
        return self.fc(x) + self.running


# ----------------------------------------------------------------------------- printing
def test_print_sequential_exactly_like_pytorch():
    model = nn.Sequential(nn.Linear(100, 128), nn.LeakyReLU(0.2, inplace=True))
    assert repr(model) == ("Sequential(\n"
                           "  (0): Linear(in_features=100, out_features=128, bias=True)\n"
                           "  (1): LeakyReLU(negative_slope=0.2, inplace=True)\n"
                           ")")
    assert str(model) == repr(model)


def test_print_nested_module_exactly_like_pytorch():
    expected = """Gan(
  (G): Sequential(
    (0): Linear(in_features=100, out_features=128, bias=True)
    (1): LeakyReLU(negative_slope=0.2, inplace=True)
    (2): Linear(in_features=128, out_features=784, bias=True)
    (3): Tanh()
  )
  (D): Sequential(
    (0): Flatten(start_dim=1, end_dim=-1)
    (1): Linear(in_features=784, out_features=1, bias=False)
    (2): Sigmoid()
  )
)"""
    assert repr(Gan()) == expected


@pytest.mark.parametrize("module, text", [
    (lambda: nn.ReLU(), "ReLU()"),
    (lambda: nn.ReLU(inplace=True), "ReLU(inplace=True)"),
    (lambda: nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (lambda: nn.LeakyReLU(0.2), "LeakyReLU(negative_slope=0.2)"),
    (lambda: nn.Tanh(), "Tanh()"),
    (lambda: nn.Sigmoid(), "Sigmoid()"),
    (lambda: nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"),
    (lambda: nn.Linear(3, 4, bias=False), "Linear(in_features=3, out_features=4, bias=False)"),
    (lambda: nn.BCELoss(), "BCELoss()"),
    (lambda: nn.Sequential(), "Sequential()"),
])
def test_layer_reprs(module, text):
    assert repr(module()) == text


def test_parameter_repr():
    p = nn.Parameter(minigan.tensor([1.0, 2.0]))
    assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]") and "requires_grad=True" in repr(p)


# ----------------------------------------------------------------------------- state_dict
def test_state_dict_keys_and_order():
    assert list(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).state_dict()) == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(Gan().state_dict()) == ["G.0.weight", "G.0.bias", "G.2.weight", "G.2.bias", "D.1.weight"]
    assert list(WithBuffers().state_dict()) == ["running", "count", "fc.weight", "fc.bias"]


def test_state_dict_round_trip_into_a_fresh_model():
    minigan.manual_seed(0)
    a = Gan()
    minigan.manual_seed(1)
    b = Gan()
    assert not np.array_equal(a.G[0].weight.numpy(), b.G[0].weight.numpy())
    params_before = [id(p) for p in b.parameters()]
    b.load_state_dict(a.state_dict())
    assert [id(p) for p in b.parameters()] == params_before            # same Parameter objects
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb
        np.testing.assert_array_equal(va.numpy(), vb.numpy())
        assert not np.shares_memory(va.array, vb.array)                 # copied, not shared
    a.G[0].weight.array[...] = 0.0
    assert b.G[0].weight.numpy().any()


def test_state_dict_shares_data_with_the_model():
    model = nn.Linear(2, 2)
    sd = model.state_dict()
    assert np.shares_memory(sd["weight"].array, model.weight.array)
    assert sd["weight"].requires_grad is False


def test_load_state_dict_errors_name_the_keys():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = model.state_dict()
    missing = {k: v for k, v in sd.items() if k != "1.bias"}
    with pytest.raises(ValueError, match=r"1\.bias"):
        nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)).load_state_dict(missing)
    unexpected = dict(sd, **{"2.weight": minigan.zeros(1)})
    with pytest.raises(ValueError, match=r"2\.weight"):
        nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)).load_state_dict(unexpected)
    with pytest.raises(ValueError) as e:
        nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 1)).load_state_dict(sd)
    assert "0.weight" in str(e.value) and "(3, 2)" in str(e.value) and "(4, 2)" in str(e.value)
    # strict=False ignores the unexpected key and loads the rest
    fresh = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    fresh.load_state_dict(unexpected, strict=False)
    np.testing.assert_array_equal(fresh[1].weight.numpy(), model[1].weight.numpy())


def test_load_state_dict_accepts_numpy_arrays():
    model = nn.Linear(2, 1)
    model.load_state_dict({"weight": np.array([[1.0, 2.0]]), "bias": np.array([3.0])})
    assert model.weight.dtype == np.float32
    np.testing.assert_array_equal(model(minigan.tensor([[1.0, 1.0]])).numpy(), [[6.0]])


# ----------------------------------------------------------------------------- parameters and init
def test_parameters_count_equals_hand_sum():
    n = sum(p.numel() for p in Gan().parameters())
    assert n == (100 * 128 + 128) + (128 * 784 + 784) + 784 * 1
    assert len(list(Gan().parameters())) == 5
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in Gan().parameters())


def test_linear_init_within_bounds_and_not_constant():
    layer = nn.Linear(50, 40)
    bound = 1 / math.sqrt(50)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert w.shape == (40, 50) and b.shape == (40,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound           # uses the whole range, not a narrower one
    assert len(np.unique(w)) > 1900 and len(np.unique(b)) > 30
    assert abs(w.mean()) < 0.1 * bound             # centred
    assert layer.weight.dtype == np.float32


def test_init_functions():
    t = nn.Parameter(minigan.zeros(1000))
    nn.init.normal_(t, mean=2.0, std=0.5)
    assert abs(t.numpy().mean() - 2.0) < 0.1 and abs(t.numpy().std() - 0.5) < 0.1
    nn.init.constant_(t, 3.0)
    assert (t.numpy() == 3.0).all()
    nn.init.zeros_(t)
    assert not t.numpy().any()
    with pytest.raises(ValueError):
        nn.init.normal_(t, std=-1.0)


def test_linear_forward_and_module_gradcheck_in_float64():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid()).double()
    x = leaf(np.random.default_rng(0).uniform(-1, 1, (5, 3)))
    out = model(x)
    w0, b0, w1, b1 = (p.numpy() for p in model.parameters())
    expected = 1 / (1 + np.exp(-(np.tanh(x.numpy() @ w0.T + b0) @ w1.T + b1)))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    assert minigan.gradcheck(lambda inp, *params: model(inp), [x, *model.parameters()])


def test_bad_linear_sizes():
    with pytest.raises(ValueError, match="in_features must be a positive integer, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(TypeError, match=r"out_features must be a positive integer, got 2.5 \(float\)"):
        nn.Linear(3, 2.5)
    with pytest.raises(TypeError, match="in_features"):
        nn.Linear(True, 3)


@pytest.mark.parametrize("make", [lambda n: nn.Linear(n, n), lambda n: nn.Conv2d(n, n, 3),
                                  lambda n: nn.ConvTranspose2d(n, n, 3), lambda n: nn.BatchNorm2d(n)])
def test_layer_sizes_accept_numpy_integers_and_store_python_ints(make):
    # np.prod(image_shape) is a NumPy integer: a student passing it must not be refused
    layer = make(np.int64(3))
    sizes = {k: v for k, v in vars(layer).items() if k in ("in_features", "out_features", "in_channels",
                                                             "out_channels", "num_features")}
    assert sizes and all(type(v) is int and v == 3 for v in sizes.values()), sizes
    assert "np.int64" not in repr(layer)


# ----------------------------------------------------------------------------- dtype and modes
def test_module_double_converts_parameters_not_integer_buffers():
    m = WithBuffers()
    params = [id(p) for p in m.parameters()]
    assert m.double() is m
    assert [id(p) for p in m.parameters()] == params
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m.running.dtype == np.float64
    assert m.count.dtype == np.int64
    assert m(leaf(np.ones((1, 3)))).dtype == np.float64
    m.float()
    assert all(p.dtype == np.float32 for p in m.parameters()) and m.count.dtype == np.int64


def test_train_eval_propagate():
    model = Gan()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.G.train()
    assert model.G[0].training and not model.training and not model.D[1].training
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_and_requires_grad_():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    model(minigan.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    assert model(minigan.randn(4, 2)).requires_grad is False


def test_modules_and_named_parameters_order():
    model = Gan()
    kinds = [type(m).__name__ for m in model.modules()]
    assert kinds == ["Gan", "Sequential", "Linear", "LeakyReLU", "Linear", "Tanh",
                     "Sequential", "Flatten", "Linear", "Sigmoid"]
    assert [name for name, _ in model.named_modules()] == ["", "G", "G.0", "G.1", "G.2", "G.3",
                                                            "D", "D.0", "D.1", "D.2"]
    assert [name for name, _ in model.named_parameters()] == list(model.state_dict())
    assert [name for name, _ in model.named_children()] == ["G", "D"]
    assert list(model.G[0].parameters()) == [model.G[0].weight, model.G[0].bias]
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "Gan" and visited[:2] == ["Linear", "LeakyReLU"]


def test_shared_module_parameters_listed_once_but_saved_under_each_name():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    # PyTorch's state_dict names a shared module at every place it is used
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    other = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    other.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(other[2].weight.numpy(), shared.weight.numpy())
    with pytest.raises(ValueError, match=r"missing keys \['2.weight', '2.bias'\]"):
        model.load_state_dict(nn.Sequential(nn.Linear(2, 2)).state_dict())


def test_sequential_indexing_slicing_len_iter():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4
    assert seq[0] is layers[0] and seq[-1] is layers[3]
    part = seq[1:3]
    assert isinstance(part, nn.Sequential) and len(part) == 2
    assert part[0] is layers[1] and part[1] is layers[2]
    assert list(seq) == layers
    with pytest.raises(IndexError):
        seq[4]
    with pytest.raises(IndexError):
        seq[-5]
    x = minigan.randn(5, 2)
    np.testing.assert_array_equal(seq(x).numpy(), layers[3](layers[2](layers[1](layers[0](x)))).numpy())
    seq.append(nn.Tanh())
    assert len(seq) == 5 and list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_reassigning_attributes_updates_the_registries():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = None                      # a plain attribute first ...
            self.head = nn.Linear(2, 1)           # ... then a sub-module
            self.scale = 1.0
            self.scale = nn.Parameter(minigan.ones(1))

        def forward(self, x):
            return self.head(x) * self.scale

    m = M()
    assert isinstance(m.head, nn.Linear) and isinstance(m.scale, nn.Parameter)
    assert [n for n, _ in m.named_parameters()] == ["scale", "head.weight", "head.bias"]
    assert m(minigan.ones(3, 2)).shape == (3, 1)
    m.head = None                                 # removing a sub-module, as in PyTorch
    assert m.head is None and [n for n, _ in m.named_parameters()] == ["scale"]
    assert "(head): None" in repr(m)
    with pytest.raises(TypeError, match="head"):
        m.head = 3


def test_module_attribute_errors():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super"):
        Broken()
    with pytest.raises(AttributeError, match="nope"):
        nn.Linear(1, 1).nope
    with pytest.raises(TypeError):
        nn.Linear(1, 1).weight = minigan.zeros(1, 1)
    with pytest.raises(NotImplementedError):
        nn.Module()(minigan.zeros(1))


# ----------------------------------------------------------------------------- layers and losses
def test_activation_and_flatten_layers_match_functional():
    x = minigan.tensor(np.linspace(-2, 2, 24).reshape(2, 3, 4))
    np.testing.assert_array_equal(nn.ReLU()(x).numpy(), F.relu(x).numpy())
    np.testing.assert_array_equal(nn.LeakyReLU(0.2)(x).numpy(), F.leaky_relu(x, 0.2).numpy())
    np.testing.assert_array_equal(nn.Tanh()(x).numpy(), F.tanh(x).numpy())
    np.testing.assert_array_equal(nn.Sigmoid()(x).numpy(), F.sigmoid(x).numpy())
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(start_dim=0)(x).shape == (24,)


def test_loss_layers():
    p = minigan.tensor([0.2, 0.9])
    t = minigan.tensor([0.0, 1.0])
    assert nn.BCELoss()(p, t).item() == pytest.approx(F.binary_cross_entropy(p, t).item())
    assert nn.BCELoss(reduction="sum")(p, t).item() == pytest.approx(-(math.log(0.8) + math.log(0.9)), rel=1e-6)
    assert nn.BCEWithLogitsLoss(reduction="none")(p, t).shape == (2,)
    with pytest.raises(ValueError, match="reduction"):
        nn.BCELoss(reduction="avg")
