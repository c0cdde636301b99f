"""Lesson 11: batch normalisation, what it does in training and in evaluation, and its pitfalls.

What you learn here:
  * in training mode nn.BatchNorm2d normalises each channel with the statistics of the current
    batch, and keeps running averages of them; in evaluation mode it uses those running
    averages instead (watched converging to the data's true mean and variance);
  * why a batch of one sample breaks training-mode normalisation: with one value per channel
    the output is all zeros (minigan refuses it), and with one image the layer erases the
    image's overall level and contrast; evaluation mode keeps them;
  * what this means for a DCGAN discriminator: in training mode D's output for an image
    depends on the other images in the batch, and separate real and fake batches are each
    normalised to the same statistics; in evaluation mode each output depends on its own image only;
  * the course notes advise against batch norm in G and D, while the course's own DCGAN (and the
    DCGAN paper) uses it in both; the real pitfalls are the batch dependence and the
    train/eval switch, which are shown here.

Run:  python lessons/11_batch_normalization.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # Batch normalisation
# A BatchNorm layer rescales each channel to mean 0 and variance 1 (then applies a learned scale
# and shift). *Which* mean and variance it uses depends on the mode: the current batch's in
# training, running averages in evaluation. Both the benefits and the pitfalls come from that.

# %%
import time

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
import minigan.nn as nn
from minigan.models import DCGAN_Discriminator, DCGAN_Generator

args = setup("11_batch_normalization", "Batch normalisation: batch statistics in training, running statistics in "
                       "evaluation, what goes wrong with single samples, and what it does to a "
                       "DCGAN discriminator.")
t_start = time.perf_counter()


def on_backend(array, requires_grad=False):
    """A tensor holding ``array`` (NumPy data) on the backend chosen with --backend."""
    return minigan.tensor(array).requires_grad_(requires_grad)

rng = numpy.random.default_rng(args.seed)


def t(array):
    """A float32 tensor on the active backend from a NumPy array."""
    return on_backend(numpy.asarray(array, dtype=numpy.float32))


# %% [markdown]
# ## 1. Training mode: the batch's own statistics
# Per channel c, over all N*H*W values of that channel in the batch:
#     out = weight[c] * (x - mean_c) / sqrt(var_c + eps) + bias[c]
# A fresh layer has weight 1 and bias 0, so every channel of the output has mean 0 and
# variance 1 (up to eps), whatever the input's scale.

# %%
TRUE_MEAN = numpy.array([2.0, -1.0, 0.5])
TRUE_STD = numpy.array([3.0, 0.5, 1.0])


def data_batch(n=16, size=8):
    """Images with 3 channels whose values have the means and standard deviations above."""
    z = rng.standard_normal((n, 3, size, size))
    return t(TRUE_MEAN[None, :, None, None] + TRUE_STD[None, :, None, None] * z)


bn = nn.BatchNorm2d(3)
print(bn)
x = data_batch()
y = bn(x).numpy()
means, stds = y.mean(axis=(0, 2, 3)), y.std(axis=(0, 2, 3))
print(f"input per-channel means {x.numpy().mean(axis=(0, 2, 3)).round(2)}, stds {x.numpy().std(axis=(0, 2, 3)).round(2)}")
print(f"output per-channel means {means.round(6)}, stds {stds.round(4)}")
check(numpy.abs(means).max() < 1e-4 and numpy.abs(stds - 1).max() < 1e-3,
      "in training mode every output channel has mean 0 and standard deviation 1 over the batch")

# %% [markdown]
# ## 2. The running statistics converge to the data's
# Each training-mode call also updates
#     running_mean <- (1 - momentum) running_mean + momentum * batch mean
#     running_var  <- (1 - momentum) running_var  + momentum * batch variance (unbiased)
# with momentum 0.1. They start at 0 and 1; after enough batches they settle on the mean and
# variance of the data, which evaluation mode then uses.

# %%
steps = 60 if args.quick else 300
bn = nn.BatchNorm2d(3)
history_mean, history_var = [], []
for _ in range(steps):
    with minigan.no_grad():
        bn(data_batch())
    history_mean.append(bn.running_mean.numpy().copy())
    history_var.append(bn.running_var.numpy().copy())
history_mean, history_var = numpy.array(history_mean), numpy.array(history_var)
print(f"after {steps} batches: running_mean {bn.running_mean.numpy().round(3)} (true {TRUE_MEAN}), "
      f"running_var {bn.running_var.numpy().round(3)} (true {TRUE_STD ** 2})")
print(f"num_batches_tracked = {int(bn.num_batches_tracked.item())}")
check(numpy.all(numpy.abs(bn.running_mean.numpy() - TRUE_MEAN) < 0.05 * TRUE_STD),
      "running_mean converges to the data's mean (within 5% of a standard deviation)")
check(numpy.all(numpy.abs(bn.running_var.numpy() / TRUE_STD ** 2 - 1) < 0.05),
      "running_var converges to the data's variance (within 5%)")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for c in range(3):
    ax1.plot(history_mean[:, c], label=f"channel {c}")
    ax1.axhline(TRUE_MEAN[c], color=f"C{c}", ls=":", lw=0.8)
    ax2.plot(history_var[:, c], label=f"channel {c}")
    ax2.axhline(TRUE_STD[c] ** 2, color=f"C{c}", ls=":", lw=0.8)
ax1.set_title("running_mean (dotted: the data's mean)")
ax2.set_title("running_var (dotted: the data's variance)")
for ax in (ax1, ax2):
    ax.set_xlabel("training batches")
    ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "running_statistics.png")

# %% [markdown]
# ## 3. Evaluation mode: the running statistics
# After .eval() the layer is a fixed per-channel affine map,
#     out = (x - running_mean) / sqrt(running_var + eps)   (times weight, plus bias),
# so each sample's output depends on that sample alone.

# %%
bn.eval()
x = data_batch(n=4)
out_eval = bn(x).numpy()
by_hand = (x.numpy() - bn.running_mean.numpy()[None, :, None, None]) / numpy.sqrt(
    bn.running_var.numpy()[None, :, None, None] + bn.eps)
check(numpy.abs(out_eval - by_hand).max() < 1e-4, "in evaluation mode the output is (x - running_mean) / "
                                                  "sqrt(running_var + eps), the running statistics")
alone = bn(x[1:2]).numpy()
check(numpy.abs(alone[0] - out_eval[1]).max() < 1e-6, "in evaluation mode a sample gets the same output "
                                                      "alone as inside a batch")
bn.train()

# %% [markdown]
# ## 4. One sample is not a batch
# With one value per channel (a batch of one feature vector, shape (1, C)), the batch mean *is*
# the value, so x - mean = 0 and the variance is 0: the normalised output is all zeros, whatever
# the input. minigan refuses to do that in training mode (as PyTorch does) instead of silently
# returning zeros; written out by hand with tensor ops, the collapse is plain to see.

# %%
bn1 = nn.BatchNorm1d(4)
v = t([[3.0, -2.0, 0.5, 10.0]])
try:
    bn1(v)
    refused = None
except ValueError as e:
    refused = str(e)
print(f"nn.BatchNorm1d(4) on one sample of shape {v.shape} in training mode: {refused}")
check(refused is not None, "nn.BatchNorm1d refuses a single sample in training mode")
for sample in ([[3.0, -2.0, 0.5, 10.0]], [[-7.0, 1.0, 100.0, 0.0]]):
    s = t(sample)
    mean = s.mean(axis=0, keepdims=True)
    var = ((s - mean) ** 2).mean(axis=0, keepdims=True)
    normalised = (s - mean) / (var + 1e-5).sqrt()
    print(f"  batch {sample[0]} -> batch statistics give {normalised.numpy()[0]}")
    check(numpy.all(normalised.numpy() == 0), f"with batch statistics the single sample {sample[0]} "
                                              "normalises to all zeros: the input is lost")
bn1.eval()
kept = bn1(v).numpy()
check(numpy.allclose(kept, v.numpy() / numpy.sqrt(1 + 1e-5), atol=1e-6),
      "in evaluation mode the same sample passes through (fresh running statistics 0 and 1)")

# %% [markdown]
# With images the layer does run on one sample (it averages over the H*W pixels of each
# channel), but it then normalises the image by *itself*: a dim, low-contrast image and a
# bright, high-contrast copy of it come out identical. Evaluation mode keeps them apart.

# %%
bn2 = nn.BatchNorm2d(3)
for _ in range(20):                      # give it some running statistics first
    with minigan.no_grad():
        bn2(data_batch())
img = data_batch(n=1)
brighter = img * 3.0 + 5.0               # three times the contrast, much brighter
train_a, train_b = bn2(img).numpy(), bn2(brighter).numpy()
bn2.eval()
eval_a, eval_b = bn2(img).numpy(), bn2(brighter).numpy()
print(f"training mode: max |out(img) - out(3*img + 5)| = {numpy.abs(train_a - train_b).max():.1e}")
print(f"evaluation mode: max |out(img) - out(3*img + 5)| = {numpy.abs(eval_a - eval_b).max():.2f}")
check(numpy.abs(train_a - train_b).max() < 1e-3,
      "in training mode a single image and a brighter, higher-contrast copy give the same output")
check(numpy.abs(eval_a - eval_b).max() > 1.0, "in evaluation mode they stay different")

# %% [markdown]
# ## 5. Batch norm inside a DCGAN discriminator
# The course's discriminator has a BatchNorm2d after its second convolution. In training mode
# D(x) for one image therefore depends on the rest of the batch. We feed the same 8 "real"
# images (synthetic strokes, so no dataset is needed) to D three ways: as their own batch,
# mixed with 8 fakes from an untrained generator, and one at a time; and we compare the
# outputs in both modes.

# %%


def stroke_images(n, size=28):
    """Smooth bright strokes on a dark background, in [-1, 1] like MNIST."""
    yy, xx = numpy.mgrid[0:size, 0:size] / (size - 1)
    images = []
    for _ in range(n):
        a, b, c = rng.uniform(-1, 1, 3)
        dist = numpy.abs(a * (xx - 0.5) + b * (yy - 0.5) + 0.3 * c) / numpy.hypot(a, b)
        ring = numpy.abs(numpy.hypot(xx - rng.uniform(0.3, 0.7), yy - rng.uniform(0.3, 0.7)) - rng.uniform(0.1, 0.3))
        images.append(numpy.exp(-numpy.minimum(dist, ring) ** 2 / 0.004))
    return t(numpy.array(images)[:, None] * 2 - 1)


minigan.manual_seed(args.seed)
D = DCGAN_Discriminator()
G = DCGAN_Generator()
n_fill = 10 if args.quick else 50
with minigan.no_grad():
    for _ in range(n_fill):              # fill D's running statistics with mixed batches
        D(minigan.cat([stroke_images(16), G(minigan.randn(16, 100))]))
    real = stroke_images(8)
    fake = G(minigan.randn(8, 100))
    outputs = {}
    for mode in ("train", "eval"):
        D.train(mode == "train")
        outputs[mode] = {
            "real batch": D(real).numpy()[:, 0],
            "mixed batch": D(minigan.cat([real, fake])).numpy()[:8, 0],
            "one at a time": numpy.array([D(real[i:i + 1]).numpy()[0, 0] for i in range(8)]),
        }
D.train()
for mode, outs in outputs.items():
    print(f"{mode} mode: D(x) for the same 8 real images")
    for how, values in outs.items():
        print(f"  {how:>13}: {numpy.round(values, 4)}")
train_gap = numpy.abs(outputs["train"]["real batch"] - outputs["train"]["mixed batch"]).max()
eval_gap = max(numpy.abs(outputs["eval"]["real batch"] - outputs["eval"][k]).max()
               for k in ("mixed batch", "one at a time"))
print(f"largest change of D(x) with the batch around it: training mode {train_gap:.2e}, evaluation mode {eval_gap:.1e}")
check(train_gap > 1e-3, "in training mode D's output for an image changes when the other images in the "
                        "batch change")
check(eval_gap < 1e-5, "in evaluation mode D's output for an image is the same in any batch, and alone")

# Separate real and fake batches (what GAN.discriminator_step does, like PyTorch's DCGAN example)
# are each normalised to the same statistics at the BN layer. Hook the layer's output:
bn_layer, before_bn = D.D[3], D.D[:3]
with minigan.no_grad():
    feats = {}
    for mode in ("train", "eval"):
        bn_layer.train(mode == "train")
        for name, batch in (("real", real), ("fake", fake)):
            feats[mode, name] = bn_layer(before_bn(batch)).numpy().mean(axis=(0, 2, 3))
D.train()
train_diff = numpy.abs(feats["train", "real"] - feats["train", "fake"]).max()
eval_diff = numpy.abs(feats["eval", "real"] - feats["eval", "fake"]).max()
print(f"per-channel mean after the BN layer, real batch vs fake batch: largest difference "
      f"{train_diff:.1e} in training mode, {eval_diff:.2f} in evaluation mode")
check(train_diff < 1e-4, "in training mode a real-only and a fake-only batch leave the BN layer with "
                         "identical per-channel means: a difference in average level is erased")
check(eval_diff > 10 * train_diff + 1e-3, "with fixed (running) statistics that difference survives")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, mode in zip(axes, ("train", "eval")):
    for j, (how, values) in enumerate(outputs[mode].items()):
        ax.plot(numpy.arange(8) + 0.2 * (j - 1), values, "o", label=how)
    ax.set_title(f"D(x) of the same 8 images, {mode} mode")
    ax.set_xlabel("image")
axes[0].set_ylabel("D(x)")
axes[0].legend(fontsize=8)
fig.tight_layout()
save(fig, args, "discriminator_batch_dependence.png")

# %% [markdown]
# ## 6. So: avoid batch norm in GANs?
# The course notes recommend leaving it out of both networks; the DCGAN the course then trains
# (like the DCGAN paper's) has it in both, and trains well. What the demonstrations above show
# is more precise:
# * in training mode each sample's output depends on its batch-mates, so separate real and fake
#   batches are each normalised by their own statistics (the "leaked information" the notes
#   worry about is this batch dependence);
# * evaluation mode switches to running statistics, so a generator sampled in eval mode (as
#   GAN.sample does) behaves slightly differently from the one that was trained;
# * a batch of one sample is meaningless for training-mode normalisation.
# Keep batches reasonably large, feed D whole batches of one kind or mixed batches consistently,
# and remember which mode you sample in. The DCGAN paper also leaves BN out of G's output layer
# and D's input layer, which is what the course's models do.

# %%
with minigan.no_grad():
    z = minigan.randn(16, 100)
    G.train()
    g_train = G(z).numpy()
    G.eval()
    g_eval = G(z).numpy()
    G.train()
G_eval_vs_train = float(numpy.abs(g_train - g_eval).mean())
print(f"the untrained generator's images in training vs evaluation mode differ by {G_eval_vs_train:.3f} "
      f"per pixel on average (its running statistics come from the {n_fill} batches generated above)")
check(G_eval_vs_train > 0, "a generator with batch norm gives different images in training and evaluation mode")
bns = [m for m in list(G.modules()) + list(D.modules()) if isinstance(m, nn.BatchNorm2d)]
check(len(bns) == 3, "the course's own DCGAN uses batch norm in both networks (2 layers in G, 1 in D)")

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
