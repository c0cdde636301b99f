"""Lesson 11: batch normalisation, what it does in training and in evaluation, and its pitfalls.

What you learn here:
  * in training mode nn.BatchNorm2d normalises each channel with the statistics of the current
    batch -- the *biased* variance (divided by n) -- and keeps running averages of them, with
    the *unbiased* variance (divided by n - 1); in evaluation mode it uses those running
    averages instead (watched converging to the data's true mean and variance);
  * the backward pass the engine implements (Ioffe & Szegedy 2015, section 3), derived, checked
    against finite differences and the engine, with its two structural facts: each channel's
    input gradient sums to zero and is orthogonal to x_hat;
  * why a batch of one sample breaks training-mode normalisation: with one value per channel
    the output is all zeros (minigan refuses it), and with one image the layer erases the
    image's overall level and contrast; evaluation mode keeps them;
  * what this means for a DCGAN: in training mode D's output for an image depends on the other
    images in the batch, separate real and fake batches are each normalised to the same
    statistics, and the generator's samples in one batch become correlated (reference and
    virtual batch norm, Salimans et al. 2016, remove that); WGAN-GP's critic drops batch norm
    because its gradient penalty is per sample (Gulrajani et al. 2017);
  * a generator sampled in evaluation mode differs from the one trained, by an amount measured
    here; the course notes advise against batch norm in G and D, while the course's own DCGAN
    (and the DCGAN paper) uses it in both;
  * why batch norm helps is debated: the original "internal covariate shift" explanation, which
    the course report repeats, is disputed by Santurkar et al. (2018), who find that it smooths
    the loss landscape instead.

Notation: x is a layer input of shape (N, C, H, W) (``x``); for one channel, n = N*H*W values,
mu its batch mean, var its biased batch variance, sigma = sqrt(var + eps) (``eps``),
x_hat = (x - mu) / sigma, out = gamma x_hat + beta with gamma = ``weight`` and beta = ``bias``;
g = dL/d(out) is the gradient arriving from above. G and D are the DCGAN generator and
discriminator (``DCGAN_Generator``, ``DCGAN_Discriminator``), z the generator's noise.

Source: minigan/functional/batchnorm.py, minigan/nn/batchnorm.py, minigan/models/dcgan.py

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
import minigan.functional as F
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
# Per channel c, over all n = N*H*W values of that channel in the batch:
#     out = weight[c] * (x - mean_c) / sqrt(var_c + eps) + bias[c],
#     var_c = (1/n) sum (x - mean_c)^2      (the biased variance: divided by n, not n - 1)
# A fresh layer has weight 1 and bias 0, so every channel of the output has mean 0 and
# variance 1 (up to eps), whatever the input's scale. The biased variance is what makes the
# output's own (biased) variance exactly 1; with the unbiased one it would be (n - 1)/n.

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

# Which variance? On a tiny batch (n = 2*2*2 = 8 values per channel) the two differ by
# sqrt(8/7), about 7%, so the layer's output tells them apart. NumPy computes both directly.
tiny = data_batch(n=2, size=2)
xt = tiny.numpy().astype(numpy.float64)
mu_t = xt.mean(axis=(0, 2, 3), keepdims=True)
with_biased = (xt - mu_t) / numpy.sqrt(xt.var(axis=(0, 2, 3), ddof=0, keepdims=True) + 1e-5)
with_unbiased = (xt - mu_t) / numpy.sqrt(xt.var(axis=(0, 2, 3), ddof=1, keepdims=True) + 1e-5)
out_tiny = nn.BatchNorm2d(3)(tiny).numpy()
print(f"tiny batch: max |out - formula with biased var| = {numpy.abs(out_tiny - with_biased).max():.1e}, "
      f"with unbiased var = {numpy.abs(out_tiny - with_unbiased).max():.2f}")
check(numpy.abs(out_tiny - with_biased).max() < 1e-5 and numpy.abs(out_tiny - with_unbiased).max() > 1e-2,
      "training-mode normalisation divides by the biased batch variance (1/n), not the unbiased one")

# %% [markdown]
# ## 2. The running statistics converge to the data's
# Each training-mode call also updates
#     running_mean <- (1 - momentum) running_mean + momentum * batch mean
#     running_var  <- (1 - momentum) running_var  + momentum * batch variance * n/(n - 1)
# with momentum 0.1: the running estimate uses the *unbiased* variance (as PyTorch does), the
# better estimate of the data's variance, although the normalisation itself used the biased
# one. They start at 0 and 1; after enough batches they settle on the mean and variance of the
# data, which evaluation mode then uses.

# %%
bn_one = nn.BatchNorm2d(3)
with minigan.no_grad():
    bn_one(tiny)                                        # one update from the fresh 0 and 1
unbiased_update = 0.9 * 1.0 + 0.1 * xt.var(axis=(0, 2, 3), ddof=1)
biased_update = 0.9 * 1.0 + 0.1 * xt.var(axis=(0, 2, 3), ddof=0)
print(f"one update on the tiny batch: running_var {bn_one.running_var.numpy().round(4)}, "
      f"0.9 + 0.1 * unbiased var {unbiased_update.round(4)}, 0.9 + 0.1 * biased var {biased_update.round(4)}")
check(numpy.allclose(bn_one.running_var.numpy(), unbiased_update, rtol=1e-5)
      and not numpy.allclose(bn_one.running_var.numpy(), biased_update, rtol=1e-3),
      "running_var is updated with the unbiased batch variance (1/(n - 1))")

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
ax1.set_ylabel("running_mean")
ax2.set_ylabel("running_var")
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
# ## 4. The backward pass, derived
# Training mode couples all n values of a channel through mu and var, so the gradient is not
# just g * gamma / sigma. For one channel (Ioffe & Szegedy 2015, section 3, written compactly):
# with d mu / d x_i = 1/n and d var / d x_i = 2 (x_i - mu) / n, hence d sigma / d x_i =
# (x_i - mu) / (n sigma),
#     d x_hat_j / d x_i = (1/sigma) (delta_ij - 1/n - x_hat_i x_hat_j / n),
# and summing g_j * gamma over j:
#     dL/dx_i = (gamma / sigma) * (g_i - mean(g) - x_hat_i * mean(g * x_hat)),
#     dL/dgamma = sum g * x_hat,    dL/dbeta = sum g.
# Two facts follow. Since sum x_hat = 0, **each channel's input gradient sums to zero**: adding
# a constant to a channel does not change its output. And since sum x_hat^2 = n var/(var + eps),
#     sum_i dL/dx_i * x_hat_i = (gamma / sigma) * sum(g x_hat) * eps / (var + eps),
# so **the gradient is orthogonal to x_hat** up to the eps term (exactly for eps = 0): scaling a
# channel about its mean does not change its output either. We check the formula against the
# engine (minigan's BatchNorm backward) and against finite differences of a NumPy forward pass,
# neither of which uses the formula, and run minigan.gradcheck / gradgradcheck on the engine.

# %%
xb = rng.standard_normal((4, 3, 3, 3)) * 2 + 1
gamma, beta = rng.standard_normal(3) + 1.5, rng.standard_normal(3)
g_up = rng.standard_normal(xb.shape)                     # the gradient arriving from above
EPS = 1e-5
ax = (0, 2, 3)


def bn_forward_numpy(x):
    mu = x.mean(axis=ax, keepdims=True)
    sigma = numpy.sqrt(x.var(axis=ax, keepdims=True) + EPS)
    return gamma[None, :, None, None] * (x - mu) / sigma + beta[None, :, None, None]


mu_b = xb.mean(axis=ax, keepdims=True)
var_b = xb.var(axis=ax, keepdims=True)
sigma_b = numpy.sqrt(var_b + EPS)
xhat_b = (xb - mu_b) / sigma_b
G4 = gamma[None, :, None, None]
dx_formula = G4 / sigma_b * (g_up - g_up.mean(axis=ax, keepdims=True)
                             - xhat_b * (g_up * xhat_b).mean(axis=ax, keepdims=True))

x_t = on_backend(xb, requires_grad=True)
w_t, b_t = on_backend(gamma, requires_grad=True), on_backend(beta, requires_grad=True)
(F.batch_norm(x_t, None, None, w_t, b_t, training=True, eps=EPS) * on_backend(g_up)).sum().backward()
dx_engine = x_t.grad.numpy()

h = 1e-6                                                 # central differences of L = sum(g * out)
dx_fd = numpy.zeros_like(xb)
for i in range(xb.size):
    e = numpy.zeros(xb.size)
    e[i] = h
    e = e.reshape(xb.shape)
    dx_fd.flat[i] = ((g_up * bn_forward_numpy(xb + e)).sum() - (g_up * bn_forward_numpy(xb - e)).sum()) / (2 * h)

err_engine = float(numpy.abs(dx_engine - dx_formula).max())
err_fd = float(numpy.abs(dx_fd - dx_formula).max())
channel_sums = dx_formula.sum(axis=ax)
channel_dots = (dx_formula * xhat_b).sum(axis=ax)
predicted_dots = gamma / sigma_b.ravel() * (g_up * xhat_b).sum(axis=ax) * EPS / (var_b.ravel() + EPS)
cosines = channel_dots / (numpy.sqrt((dx_formula ** 2).sum(axis=ax)) * numpy.sqrt((xhat_b ** 2).sum(axis=ax)))
print(f"max |engine - formula| = {err_engine:.1e}; max |finite differences - formula| = {err_fd:.1e}; "
      f"max |dL/dgamma engine - sum g x_hat| = {numpy.abs(w_t.grad.numpy() - (g_up * xhat_b).sum(axis=ax)).max():.1e}")
print(f"per channel: sum of dL/dx {channel_sums}, cosine(dL/dx, x_hat) {cosines}")
fresh = (on_backend(xb, requires_grad=True), on_backend(gamma, requires_grad=True),
         on_backend(beta, requires_grad=True))                  # no .grad left over from above
ok_gc = minigan.gradcheck(lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True, eps=EPS), fresh)
ok_ggc = minigan.gradgradcheck(lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True, eps=EPS), fresh)
check(err_fd < 1e-6, "the derived input gradient (gamma/sigma)(g - mean g - x_hat mean(g x_hat)) matches finite "
                     "differences of a NumPy forward pass")
check(err_engine < 1e-10 and numpy.abs(w_t.grad.numpy() - (g_up * xhat_b).sum(axis=ax)).max() < 1e-10
      and numpy.abs(b_t.grad.numpy() - g_up.sum(axis=ax)).max() < 1e-10,
      "minigan's batch-norm backward computes exactly that gradient (and dgamma = sum g x_hat, dbeta = sum g)")
check(ok_gc and ok_ggc, "minigan.gradcheck and gradgradcheck pass on the batch-norm layer (float64)")
check(numpy.abs(channel_sums).max() < 1e-12 * numpy.abs(dx_formula).sum(),
      "each channel's input gradient sums to zero")
check(numpy.allclose(channel_dots, predicted_dots, rtol=1e-6, atol=1e-15) and numpy.abs(cosines).max() < 1e-4,
      "each channel's input gradient is orthogonal to x_hat, up to the eps/(var + eps) term the derivation predicts")

# %% [markdown]
# ## 5. One sample is not a batch
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
# ## 6. Batch norm inside a DCGAN discriminator
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
# ## 7. Coupled samples: the generator's batch, and a gradient penalty
# The same batch dependence has two more consequences.
# * **In the generator**, one sample's image depends on the other noise vectors of its batch:
#   the samples of a batch are correlated (each BN channel is forced to mean 0 and variance 1
#   across the batch, so if one sample's activation rises the others' must fall). Salimans et
#   al. (2016) proposed *reference* batch norm (normalise every batch with the statistics of one
#   fixed reference batch) and *virtual* batch norm (the reference batch plus the sample itself)
#   to make each sample depend on its own z only.
# * **In a critic with a gradient penalty.** WGAN-GP (Gulrajani et al. 2017) penalises
#   (||grad_x D(x)|| - 1)^2 for each sample x separately. With batch norm in training mode D(x_i)
#   is a function of the whole batch, so the gradient of sample i's output reaches the *other*
#   inputs and the per-sample gradient norm is not a property of x_i alone; the paper therefore
#   drops batch norm from the critic (it suggests layer normalisation instead).
# Both come down to one measurable fact: the gradient of sample 0's output with respect to the
# *other* samples' inputs is not zero in training mode, and is exactly zero in evaluation mode.

# %%
def cross_sample_gradient(model, inputs, training):
    """||d out_0 / d inputs_1..B|| / ||d out_0 / d input_0||: how much sample 0 depends on the others."""
    model.train(training)
    x_in = on_backend(inputs.numpy(), requires_grad=True)
    model(x_in)[0:1].sum().backward()
    grad = x_in.grad.numpy()
    model.train()
    return float(numpy.linalg.norm(grad[1:]) / numpy.linalg.norm(grad[0]))


z_batch = minigan.randn(8, 100)
cross = {(name, mode): cross_sample_gradient(model, inputs, mode == "train")
         for name, model, inputs in (("G", G, z_batch), ("D", D, real)) for mode in ("train", "eval")}
for (name, mode), value in cross.items():
    print(f"{name}, {mode} mode: |grad of sample 0's output w.r.t. the other 7 inputs| / "
          f"|w.r.t. its own input| = {value:.3g}")
G.zero_grad()
D.zero_grad()
check(cross["G", "train"] > 1e-2 and cross["G", "eval"] == 0.0,
      "in training mode a generated image depends on the other noise vectors of its batch (the gradient "
      "reaches them); in evaluation mode it does not")
check(cross["D", "train"] > 1e-2 and cross["D", "eval"] == 0.0,
      "in training mode D's output for one image has a gradient with respect to the other images: a "
      "per-sample gradient penalty is not per-sample with batch norm")

# %% [markdown]
# ## 8. So: avoid batch norm in GANs?
# The course notes recommend leaving it out of both networks; the DCGAN the course then trains
# (like the DCGAN paper's) has it in both, and trains well. What the demonstrations above show
# is more precise:
# * in training mode each sample's output depends on its batch-mates, so separate real and fake
#   batches are each normalised by their own statistics (the "leaked information" the notes
#   worry about is this batch dependence), and a generator's samples are coupled (section 7);
# * evaluation mode switches to running statistics, so a generator sampled in eval mode (as
#   GAN.sample does) is *not* the function that was trained: for the fresh generator below, on
#   images in [-1, 1], the two modes differ by 0.165 per pixel on average after 10
#   training-mode batches (the initial statistics 0 and 1 still weigh 0.9^10 = 0.35) and by
#   0.034 after 40 (measured at seed 0, quick and full mode alike); the gap shrinks as the running
#   statistics converge but stays above zero, since they are averages over many batches;
# * a batch of one sample is meaningless for training-mode normalisation;
# * a critic trained with a per-sample gradient penalty should not use it.
# Keep batches reasonably large, feed D whole batches of one kind or mixed batches consistently,
# and remember which mode you sample in. The DCGAN paper also leaves BN out of G's output layer
# and D's input layer, which is what the course's models do.
#
# Why batch norm helps at all is less settled than the course report suggests. Ioffe & Szegedy
# (2015) explained it by a reduction of "internal covariate shift" (the change of a layer's
# input distribution as earlier layers train), and the report repeats that. Santurkar et al.
# (2018) showed that networks train just as well when noise re-injects such shift after every
# BN layer, and that BN need not reduce it; they attribute the benefit to a smoother loss
# landscape (better-behaved gradients). Treat "reduces internal covariate shift" as a disputed
# hypothesis, not as the mechanism.
#
# The eval-mode difference comes entirely from the statistics: give every BN layer this batch's
# own statistics as its running statistics (one training-mode pass with momentum 1) and eval
# mode reproduces the training-mode images, up to the unbiased-versus-biased variance factor.

# %%
minigan.manual_seed(args.seed + 1)
G2 = DCGAN_Generator()                       # a fresh generator: running statistics 0 and 1
z = minigan.randn(16, 100)
with minigan.no_grad():
    g_train = G2(z).numpy()                  # training mode: this batch's statistics
    gaps, t_done = {}, 0
    for t_mark in (1, 5, 10, 20, 40):        # fill the running statistics with fresh batches
        for _ in range(t_mark - t_done):
            G2(minigan.randn(16, 100))
        t_done = t_mark
        G2.eval()
        gaps[t_mark] = float(numpy.abs(G2(z).numpy() - g_train).mean())
        G2.train()
print("mean |G(z) in eval mode - G(z) in training mode| per pixel, after t training-mode batches:")
print("  " + ", ".join(f"t = {t_}: {v:.3f}" for t_, v in gaps.items()))
G_bns = [m for m in G2.modules() if isinstance(m, nn.BatchNorm2d)]
with minigan.no_grad():
    for m in G_bns:
        m.momentum = 1.0                     # running statistics := this batch's statistics
    G2(z)
    G2.eval()
    g_eval_same_stats = G2(z).numpy()
    G2.train()
same_stats_gap = float(numpy.abs(g_train - g_eval_same_stats).mean())
print(f"with the running statistics set to this batch's own: train vs eval differ by {same_stats_gap:.1e} per pixel")
check(gaps[10] > 0.05, "after 10 batches of running statistics (momentum 0.1) a generator gives clearly "
                       "different images in evaluation and training mode (more than 0.05 per pixel)")
check(gaps[40] < gaps[10] / 3 and gaps[40] > 1e-3,
      "the gap shrinks as the running statistics converge, but does not vanish (eval mode uses averages, "
      "not this batch's own statistics)")
check(same_stats_gap < 0.1 * gaps[40], "the difference is the running statistics: with the batch's own "
                                       "statistics in their place eval mode nearly reproduces training mode")
bns = [m for m in list(G.modules()) + list(D.modules()) if isinstance(m, nn.BatchNorm2d)]
check(len(bns) == 3, "the course's own DCGAN uses batch norm in both networks (2 layers in G, 1 in D)")

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
