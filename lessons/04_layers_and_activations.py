"""Lesson 04: layers and activations.

What you learn here:
  * ``nn.Linear`` computes y = x W^T + b with W of shape (out_features, in_features);
  * the four activations of the course's GANs (ReLU, LeakyReLU, Tanh, Sigmoid), with their
    derivatives computed by minigan's own backward pass, not by a formula typed in;
  * the *dying ReLU* effect, measured: with a learning rate that is too large, many ReLU units
    end up outputting 0 for every input, and then they get no gradient on that input set; some
    come back later (Adam keeps moving their weights for a while, earlier layers move their
    inputs); with LeakyReLU(0.2) the gradient is never exactly 0, so no unit can be silenced;
  * why the generator ends with Tanh: its range (-1, 1) matches images scaled to [-1, 1].

Notation: x the layer's input (``x``, a batch of shape (B, in_features)); W and b its
``weight`` (out_features, in_features) and ``bias``; y = x W^T + b its output; a unit is one
output column; "dead" means its input x W^T + b is <= 0 for every example of the batch.

Source: minigan/nn/linear.py, minigan/functional/activation.py, minigan/nn/activation.py

Run:  python lessons/04_layers_and_activations.py [--quick] [--backend cupy]
(uses MNIST from $MINIGAN_DATA_DIR when it is there, for the pixel range in part 4)
"""
# %% [markdown]
# # Layers and activations

# %%
import numpy

from _common import check, save, setup

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan.optim import Adam

args = setup("04_layers_and_activations", "Linear layers, the four activations and their derivatives, the dying-ReLU "
                       "effect measured, and why Tanh fits images scaled to [-1, 1].")

# %% [markdown]
# ## 1. The Linear layer
# PyTorch's layout: the weight is (out_features, in_features), so y = x @ W.T + b, one row of
# x per example. Its default initialisation draws W and b from U(-1/sqrt(in), 1/sqrt(in)).

# %%
layer = nn.Linear(3, 2)
print(layer)
print("weight shape", layer.weight.shape, " bias shape", layer.bias.shape)
x = minigan.randn(4, 3)                                  # a batch of 4 examples
y = layer(x)
by_hand = x.numpy() @ layer.weight.numpy().T + layer.bias.numpy()
check(y.shape == (4, 2), "Linear(3, 2) maps a (4, 3) batch to a (4, 2) batch")
check(numpy.allclose(y.numpy(), by_hand, atol=1e-6), "Linear computes x @ W.T + b")
bound = 1 / numpy.sqrt(3)
check(numpy.abs(layer.weight.numpy()).max() <= bound, "default weights lie in [-1/sqrt(in), 1/sqrt(in)]")
y.sum().backward()
check(numpy.allclose(layer.bias.grad.numpy(), 4.0), "d(sum y)/db = the batch size: every example adds 1")

# %% [markdown]
# ## 2. Activations and their derivatives
# We evaluate each activation on a grid and call backward() on the sum of the outputs: since
# output i depends only on input i, x.grad[i] is exactly the derivative at x[i].

# %%
grid = numpy.linspace(-4, 4, 801)                       # contains 0 exactly (index 400)
acts = {"ReLU": nn.ReLU(), "LeakyReLU(0.2)": nn.LeakyReLU(0.2), "Tanh": nn.Tanh(), "Sigmoid": nn.Sigmoid()}
values, slopes = {}, {}
for name, act in acts.items():
    t = minigan.tensor(grid, dtype=minigan.float64, requires_grad=True)
    out = act(t)
    out.sum().backward()
    values[name], slopes[name] = out.numpy(), t.grad.numpy()

neg, pos, zero = grid < 0, grid > 0, 400
check(numpy.all(slopes["ReLU"][neg] == 0) and numpy.all(slopes["ReLU"][pos] == 1),
      "ReLU's derivative is exactly 0 for x < 0 and 1 for x > 0")
check(values["ReLU"][zero] == 0 and numpy.all(values["ReLU"][neg] == 0),
      "ReLU's kink is at the origin (0, 0): it is 0 for every x <= 0")
check(numpy.allclose(slopes["LeakyReLU(0.2)"][neg], 0.2) and numpy.all(slopes["LeakyReLU(0.2)"] > 0),
      "LeakyReLU(0.2) has slope 0.2 for x < 0: its derivative is never 0")
check(abs(slopes["Tanh"][zero] - 1) < 1e-12 and numpy.allclose(slopes["Tanh"], 1 - values["Tanh"] ** 2),
      "tanh'(x) = 1 - tanh(x)^2, which is 1 at x = 0")
check(abs(slopes["Sigmoid"][zero] - 0.25) < 1e-12 and slopes["Sigmoid"].max() <= 0.25,
      "sigmoid'(x) = s(1 - s) is at most 1/4, reached at x = 0")
check(numpy.allclose(values["Sigmoid"], (1 + numpy.tanh(grid / 2)) / 2),
      "sigmoid(x) = (1 + tanh(x/2)) / 2: the two are the same curve, shifted and rescaled")

# %%
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(1, 4, figsize=(15, 3.4), sharex=True)
for ax, name in zip(axes, acts):
    ax.plot(grid, values[name], label="f(x)")
    ax.plot(grid, slopes[name], "--", label="f'(x) from backward()")
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set_title(name)
    ax.set_xlabel("x")
    ax.set_ylim(-1.3, 1.6 if name != "ReLU" and name != "LeakyReLU(0.2)" else 4.2)
axes[0].legend(fontsize=8, loc="upper left")
fig.tight_layout()
save(fig, args, "activations.png")

# %% [markdown]
# ## 3. Dying ReLU, measured
# A unit is *dead* on a batch when its output is 0 for every example. Its gradient is then 0 for
# every example too, so on that batch the weights feeding it get no gradient. That does not make
# it lost for good: Adam keeps moving a weight for a while after its gradient reaches 0 (the
# first moment m decays by beta1 = 0.9 a step, it does not vanish), and the layers below keep
# changing the unit's inputs, so a dead unit can come back. We measure how many do.
# A learning rate that is far too large provokes it: a few big updates push many units' inputs
# below zero everywhere. We train the same MLP, from the same initial weights, on the same
# classification task, with Adam at lr = 0.1 (a hundred times the usual 1e-3), once with ReLU and
# once with LeakyReLU(0.2), and count the dead units of the two hidden layers as training goes.

# %%
steps = 200


def make_task(seed):
    rng = numpy.random.default_rng(seed)
    X = rng.standard_normal((512, 10)).astype(numpy.float32)
    labels = (numpy.sin(X @ rng.standard_normal((10, 1))) > 0).astype(numpy.float32)
    return minigan.tensor(X), minigan.tensor(labels)


def dead_masks(model, X):
    """One boolean per hidden unit: its output is 0 for every example (ReLU's 'dead')."""
    masks = []
    h = X
    with minigan.no_grad():
        for m in model:
            h = m(h)
            if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
                masks.append((h.numpy() == 0).all(axis=0))
    return numpy.concatenate(masks)


def unit_shares(model, X):
    """(share of dead units, share of units whose input is <= 0 for every example)."""
    dead, below = [], []
    h = X
    with minigan.no_grad():
        for m in model:
            pre, h = h, m(h)
            if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
                dead.append((h.numpy() == 0).all(axis=0))
                below.append((pre.numpy() <= 0).all(axis=0))
    return float(numpy.concatenate(dead).mean()), float(numpy.concatenate(below).mean())


def train_mlp(activation, lr, seed):
    X, labels = make_task(seed)
    minigan.manual_seed(seed)                     # same initial weights for every activation
    model = nn.Sequential(nn.Linear(10, 64), activation(), nn.Linear(64, 64), activation(), nn.Linear(64, 1))
    opt = Adam(model.parameters(), lr=lr)
    history, ever_dead = [], None
    for step in range(steps + 1):
        if step % 10 == 0:
            history.append(unit_shares(model, X)[0])
            now = dead_masks(model, X)
            ever_dead = now if ever_dead is None else ever_dead | now
        if step == steps:
            break
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(X), labels)
        loss.backward()
        opt.step()
    model.ever_dead = ever_dead                     # units dead at some checkpoint (every 10 steps)
    return model, X, labels, history, loss.item()


runs = {}
for name, activation, lr in (("ReLU, lr 1e-3", nn.ReLU, 1e-3), ("ReLU, lr 0.1", nn.ReLU, 0.1),
                             ("LeakyReLU(0.2), lr 0.1", lambda: nn.LeakyReLU(0.2), 0.1)):
    model, X, labels, history, loss = train_mlp(activation, lr, args.seed)
    dead, below = unit_shares(model, X)
    runs[name] = dict(model=model, history=history, dead=dead, below=below, loss=loss)
    print(f"{name:24s} final loss {loss:.3f}   dead units {100 * dead:5.1f}%   "
          f"units with input <= 0 on every example {100 * below:5.1f}%")

relu_big, leaky_big = runs["ReLU, lr 0.1"], runs["LeakyReLU(0.2), lr 0.1"]
check(relu_big["dead"] >= 0.15, "with a far too large learning rate at least 15% of the ReLU units die")
check(runs["ReLU, lr 1e-3"]["dead"] < relu_big["dead"], "with a sensible learning rate fewer ReLU units die")

# Revival: units dead at some checkpoint but alive at the end.
ever, final = relu_big["model"].ever_dead, dead_masks(relu_big["model"], make_task(args.seed)[0])
revived = int((ever & ~final).sum())
print(f"ReLU, lr 0.1: {int(ever.sum())} units were dead at some checkpoint, {revived} of them are alive at the end")
check(revived >= 1, "a dead ReLU unit can come back to life (it is not lost for good)")

# A LeakyReLU unit cannot output exactly 0 unless its input is 0, so "no dead LeakyReLU unit" is
# true by construction. The real question is whether its input sits below 0 on every example
# (the unit is then linear with slope 0.2 everywhere: alive, but no longer a non-linearity).
print(f"units whose input is <= 0 on every example: ReLU {100 * relu_big['below']:.1f}%, "
      f"LeakyReLU {100 * leaky_big['below']:.1f}%")
check(leaky_big["below"] < relu_big["below"],
      "fewer LeakyReLU units than ReLU units end with input <= 0 on every example")


def accuracy(model, X, labels):
    with minigan.no_grad():
        return float(((model(X).numpy() > 0) == (labels.numpy() > 0.5)).mean())


X_task, labels_task = make_task(args.seed)
acc = {name: accuracy(run["model"], X_task, labels_task) for name, run in runs.items()}
print("training accuracy: " + ", ".join(f"{name} {100 * a:.1f}%" for name, a in acc.items()))
check(acc["LeakyReLU(0.2), lr 0.1"] > acc["ReLU, lr 0.1"],
      "at lr 0.1 the network whose units died classifies worse than the LeakyReLU one")

# A dead unit gets exactly zero gradient on this batch: the weights feeding the dead units of the
# second hidden layer (rows of model[2].weight) receive none from the loss.
model = relu_big["model"]
X, labels = make_task(args.seed)
model.zero_grad()
F.binary_cross_entropy_with_logits(model(X), labels).backward()
with minigan.no_grad():
    dead2 = (model[:4](X).numpy() == 0).all(axis=0)            # outputs of the second ReLU
grad_rows = numpy.abs(model[2].weight.grad.numpy()).sum(axis=1)
print(f"second hidden layer: {int(dead2.sum())} of {dead2.size} units dead; the gradients of their "
      f"incoming weights add up to {grad_rows[dead2].sum():.1f}, those of the live units to {grad_rows[~dead2].sum():.3g}")
check(dead2.any() and numpy.all(grad_rows[dead2] == 0),
      "a dead ReLU unit's incoming weights get exactly zero gradient")

if not args.quick:
    # the same comparison for a few more seeds: the effect is not a fluke of seed 0
    print("\nmore seeds (full mode):")
    for seed in range(args.seed + 1, args.seed + 4):
        relu_dead = unit_shares(*train_mlp(nn.ReLU, 0.1, seed)[:2])[0]
        leaky_dead = unit_shares(*train_mlp(lambda: nn.LeakyReLU(0.2), 0.1, seed)[:2])[0]
        print(f"  seed {seed}: dead ReLU units {100 * relu_dead:5.1f}%, dead LeakyReLU units {100 * leaky_dead:.1f}%")
        check(relu_dead > 0.0, f"seed {seed}: ReLU units die at lr 0.1")

fig, ax = plt.subplots(figsize=(6.5, 4))
for name, run in runs.items():
    ax.plot(numpy.arange(len(run["history"])) * 10, 100 * numpy.array(run["history"]), label=name)
ax.set_xlabel("training step")
ax.set_ylabel("dead hidden units (%)")
ax.set_title("Dying ReLU: units that output 0 for every input")
ax.legend()
fig.tight_layout()
save(fig, args, "dying_relu.png")

# %% [markdown]
# ## 4. Why the generator ends with Tanh
# minigan's MNIST loader maps pixel bytes 0..255 to [-1, 1] with x / 127.5 - 1. In exact
# arithmetic tanh's outputs fill the open interval (-1, 1): they come as close to the black
# background -1 as one likes but never reach it; only float32 rounding makes tanh(x) exactly -1
# once |x| is above about 9. So tanh matches the data's range, its ends reached only in the limit
# (where its gradient is nearly 0: a generator that paints pure black saturates).
# Sigmoid is not "unable" to do the job: 2 sigmoid(x) - 1 = tanh(x / 2) is the same curve
# rescaled, and with data scaled to [0, 1] a sigmoid output works as well (Goodfellow et al. 2014
# used one on MNIST). The choice follows the data scaling; DCGAN (Radford et al. 2016) scales to
# [-1, 1] and uses tanh, whose outputs are centred on 0 like the data. (The course report writes
# tanh's range as "[1, 1]", a typo for (-1, 1).)

# %%
try:
    from minigan.data import MNIST, DatasetNotFoundError
    pixels = MNIST(split="test", download=False, limit=1000).images
    source = "MNIST test images (1,000)"
except DatasetNotFoundError:
    # without the files, apply the loader's own scaling to every possible byte value
    pixels = numpy.arange(256, dtype=numpy.float32) / numpy.float32(127.5) - numpy.float32(1)
    source = "all 256 byte values (MNIST not found: set MINIGAN_DATA_DIR to use the real images)"
print(f"pixel range after scaling, over {source}: [{pixels.min()}, {pixels.max()}]")
check(pixels.min() == -1.0 and pixels.max() == 1.0, "scaled pixels span exactly [-1, 1]")

tanh_range = values["Tanh"]
check(-1 < tanh_range.min() and tanh_range.max() < 1, "tanh stays strictly inside (-1, 1) on [-4, 4] (float64)")
xs = numpy.linspace(-6, 6, 101)
rescaled = 2 * minigan.tensor(xs).sigmoid().numpy() - 1               # minigan's sigmoid, float64
check(numpy.allclose(rescaled, numpy.tanh(xs / 2), rtol=0, atol=1e-12),
      "2 sigmoid(x) - 1 equals tanh(x / 2) (NumPy's tanh): sigmoid is tanh rescaled to (0, 1)")
big = minigan.tensor([-10.0, 10.0]).tanh().numpy()       # float32
print(f"tanh(+-10) in float32 = {big}: the open interval is rounded to its ends in float32")
check(numpy.array_equal(big, [-1.0, 1.0]), "in float32, tanh(+-10) rounds to exactly -1 and 1")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
ax1.hist(numpy.ravel(pixels), bins=51, color="gray")
ax1.set_yscale("log")
ax1.set_xlabel("pixel value after x / 127.5 - 1")
ax1.set_title(f"pixel values: {source.split(' (')[0]}")
ax2.plot(grid, values["Tanh"], label="tanh: range (-1, 1)")
ax2.plot(grid, values["Sigmoid"], label="sigmoid: range (0, 1)")
ax2.axhspan(-1, 1, color="C0", alpha=0.08, label="data range [-1, 1]")
ax2.set_xlabel("pre-activation of the generator's last layer")
ax2.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "tanh_and_pixels.png")

print("\nNext: lesson 05 puts a discriminator and a generator into the minimax game.")
