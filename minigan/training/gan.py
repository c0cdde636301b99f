"""One GAN training iteration, as in Algorithm 1 of Goodfellow et al. (2014).

For each real minibatch x of size m, with noise z ~ N(0, I):

  discriminator step   maximise  mean[ log D(x) + log(1 - D(G(z))) ]
                       = minimise BCE(D(x), 1) + BCE(D(G(z)), 0)      (the fakes are detached:
                                                                      this step must not move G)
  generator step       after every k discriminator steps, on a fresh noise batch z' ~ N(0, I)
                       (Algorithm 1 samples a new minibatch of noise for this step), either
                       "non-saturating"  minimise -log D(G(z'))  = BCE(D(G(z')), 1)   (default)
                       "minimax"         minimise log(1 - D(G(z'))) = -BCE(D(G(z')), 0)

``GAN(..., reuse_fake=True)`` instead feeds the generator step the discriminator step's own
fake batch G(z): one generator forward per iteration instead of two, the shortcut PyTorch's
DCGAN example takes. It is not Algorithm 1 (the generator then climbs D's gradient at points
D has just been trained on), so it is an option, not the default.

The minimax loss is the one in the paper's algorithm; its gradient vanishes when D rejects
the fakes confidently (D(G(z)) near 0), which is exactly the situation early in training,
so the paper recommends the non-saturating form in practice. Both are here so a lesson can
show the difference.

The variants (cgan.py, lsgan.py, wgan.py, wgan_gp.py, infogan.py; their registry is
variants.py) are subclasses of :class:`GAN`: each writes its own ``train_step`` (its paper's
D or critic step, then its G step) and inherits the rest: the epoch loop with its NaN guard,
sampling, and the hooks the run, the demo and the command use (``build_models``, ``latent``,
``inputs_for``, ``describe``).
"""
import contextlib
import math

from .. import backend, nn, optim
from ..autograd import no_grad
from ..models import build_gan
from ..tensor import ones, randn, zeros

G_LOSSES = ("non-saturating", "minimax")


def check_gan_settings(k, g_loss):
    """The one check of the GAN step's own settings (used by GAN and by TrainConfig)."""
    if g_loss not in G_LOSSES:
        raise ValueError(f"g_loss (--g-loss) must be one of {', '.join(G_LOSSES)}, got {g_loss!r}")
    check_k(k)


def check_k(k):
    """D (or critic) steps per generator step: a positive integer (every variant has one)."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k (--k, discriminator steps per generator step) must be a positive integer, "
                         f"got {k!r}")


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite."""


@contextlib.contextmanager
def frozen(module):
    """``module``'s parameters stop requiring gradients inside the block (and are restored).

    In a generator step the gradient flows back *through* D to G, but D's own weight
    gradients would be thrown away (the next D step starts from zero); with D frozen every
    D layer skips its weight-gradient product: about a third of D's backward."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad = False
    try:
        yield
    finally:
        for p in params:
            p.requires_grad = True


def course_networks(model, z_dim, features=784, sigmoid=True, norm="batch"):
    """(G, D) of the course for ``model`` "mlp" or "dcgan" in a variant's form (see
    :func:`minigan.models.build_gan`); ``features`` is one data point's size (784, or 2)."""
    return build_gan(model, z_dim=z_dim, sigmoid=sigmoid, norm=norm, features=features)


class GAN:
    """A generator, a discriminator, their Adam optimizers and the steps that train them."""

    name, title, paper = "gan", "GAN", "Goodfellow et al., Generative Adversarial Nets, 2014"
    conditional = False     # True: each step needs the real batch's class labels
    toy = True              # applies to the 2-D toy data
    # what the curves draw: the loss axis, reference levels (value, label), the output axis
    plot = {"loss_label": "binary cross-entropy", "output_range": (0, 1),
            "output_title": "discriminator outputs", "output_label": "mean probability of 'real'", "output_names": ("mean D(x), real", "mean D(G(z)), fake"),
            "references": ((math.log(4), "log 4: D loss when D = 1/2"),
                           (math.log(2), "log 2: G loss when D = 1/2")),
            "output_reference": (0.5, "1/2: D cannot tell"),
            # the short names of d_loss, g_loss, d_x, d_g_z in the epoch log and the legends
            "names": ("D loss", "G loss", "D(x)", "D(G(z))")}

    @classmethod
    def build_models(cls, model, z_dim=100, features=784):
        """(G, D) for this variant in ``model``'s form, on the active backend."""
        return course_networks(model, z_dim, features)

    def __init__(self, G, D, z_dim, lr=2e-4, betas=(0.5, 0.999), k=1, g_loss="non-saturating",
                 reuse_fake=False):
        check_gan_settings(k, g_loss)
        if not isinstance(reuse_fake, bool):
            raise TypeError(f"reuse_fake must be True or False, got {reuse_fake!r}")
        self._setup(G, D, z_dim, k, optim.Adam, lr=lr, betas=betas)
        self.g_loss, self.betas = g_loss, tuple(betas)
        self.reuse_fake = reuse_fake
        self.criterion = nn.BCELoss()

    def _setup(self, G, D, z_dim, k, optimizer, **settings):
        """What every variant has: the two networks, one ``optimizer`` each with ``settings``,
        the step counter."""
        check_k(k)
        self.G, self.D, self.z_dim, self.k, self.lr = G, D, z_dim, k, settings["lr"]
        self.opt_G = optimizer(G.parameters(), **settings)
        self.opt_D = optimizer(D.parameters(), **settings)
        self.d_steps = 0              # discriminator steps since the last generator step
        self._labels = {}

    def noise(self, n):
        """z ~ N(0, I), shape (n, z_dim), from minigan's seeded generator."""
        return randn(n, self.z_dim)

    def latent(self, n):
        """G's inputs for ``n`` samples drawn from the prior, as a tuple: here (z,)."""
        return (self.noise(n),)

    @classmethod
    def inputs_for(cls, z, rng):
        """G's inputs for the given noise ``z`` (a Tensor), with any codes drawn from the NumPy
        generator ``rng`` (so sample grids and evaluations are reproducible): here (z,)."""
        return (z,)

    def describe(self):
        """The variant and its hyper-parameters, for the start-of-training block."""
        return (f"Adam lr {self.lr:g}, betas ({self.betas[0]:g}, {self.betas[1]:g}); k {self.k}; "
                f"{self.g_loss} G loss")

    def _targets(self, n, dtype):
        """Cached all-ones and all-zeros label columns (n, 1)."""
        key = (n, str(dtype), backend.get_backend())
        if key not in self._labels:
            self._labels[key] = (ones(n, 1, dtype=dtype), zeros(n, 1, dtype=dtype))
        return self._labels[key]

    def discriminator_step(self, real, keep_fake_graph=False):
        """One update of D on a real batch and a fresh fake batch of the same size.

        Returns (loss_D, mean D(x), mean D(G(z)), fake). With ``keep_fake_graph`` the fake
        batch keeps its link to G so the generator step can reuse it (one G forward per
        iteration, as in PyTorch's DCGAN example).
        """
        m = real.shape[0]
        real_label, fake_label = self._targets(m, real.dtype)
        z = self.noise(m)
        if keep_fake_graph:
            fake = self.G(z)
        else:
            with no_grad():
                fake = self.G(z)
        self.opt_D.zero_grad()
        d_real = self.D(real)
        d_fake = self.D(fake.detach())             # detached: this step does not train G
        loss_D = self.criterion(d_real, real_label) + self.criterion(d_fake, fake_label)
        loss_D.backward()
        self.opt_D.step()
        self.d_steps += 1
        return loss_D, d_real.mean(), d_fake.mean(), fake

    def generator_step(self, fake):
        """One update of G through the (just updated) discriminator."""
        self.opt_G.zero_grad()
        with frozen(self.D):              # the gradient goes through D; D's own is not needed
            loss_G = self.generator_loss(self.D(fake))
            loss_G.backward()
        self.opt_G.step()
        self.d_steps = 0
        return loss_G

    def g_turn(self):
        """Whether this iteration ends with a generator step (after every k-th D step)."""
        return self.d_steps + 1 >= self.k

    def generator_loss(self, d_fake):
        """-log D(G(z)) (non-saturating) or log(1 - D(G(z))) (minimax), batch means, from the
        discriminator's probabilities on the fakes."""
        real_label, fake_label = self._targets(d_fake.shape[0], d_fake.dtype)
        if self.g_loss == "non-saturating":
            return self.criterion(d_fake, real_label)
        return -self.criterion(d_fake, fake_label)

    def train_step(self, real, labels=None):
        """A discriminator step and, every k-th time, a generator step. Returns a dict of
        0-d arrays on the active backend (no device-to-host copy here). ``labels`` (the real
        batch's classes) are used only by the conditional variants.

        The generator step sees G(z') for fresh noise z' (Algorithm 1), or, with
        ``reuse_fake=True``, the discriminator step's fake batch G(z)."""
        g_turn = self.d_steps + 1 >= self.k
        reuse = g_turn and self.reuse_fake
        loss_D, d_x, d_g_z, fake = self.discriminator_step(real, keep_fake_graph=reuse)
        out = {"d_loss": loss_D.array, "d_x": d_x.array, "d_g_z": d_g_z.array}
        if g_turn:
            if not reuse:
                fake = self.G(self.noise(real.shape[0]))      # z' drawn after D's step, as in Algorithm 1
            out["g_loss"] = self.generator_step(fake).array
        return out

    def train_epoch(self, loader, epoch=None, progress=True, sync_every=None):
        """One pass over ``loader``; returns per-step values (NumPy arrays) and their means.

        Raises TrainingDiverged as soon as a loss is seen to be NaN or infinite (checked every
        step on NumPy, every ``sync_every`` steps on the GPU, and at the end of the epoch).
        """
        from tqdm.auto import tqdm

        self.G.train()
        self.D.train()
        if sync_every is None:
            sync_every = 1 if backend.get_backend() == "numpy" else 25
        steps = {"d_loss": [], "g_loss": [], "d_x": [], "d_g_z": []}    # and any a variant adds
        bar = tqdm(loader, desc=f"epoch {epoch}" if epoch is not None else "training", leave=False,
                   disable=None if progress else True, dynamic_ncols=True)  # None: no bar when not a terminal
        for i, batch in enumerate(bar):
            real, labels = (batch[0], batch[1]) if isinstance(batch, (tuple, list)) else (batch, None)
            values = self.train_step(real, labels) if self.conditional else self.train_step(real)
            for key, v in values.items():
                steps.setdefault(key, []).append(v)
            if (i + 1) % sync_every == 0:
                now = {k: float(v) for k, v in values.items()}
                _check_finite(now, epoch, i + 1)
                if progress:
                    bar.set_postfix(D=f"{now['d_loss']:.3f}", G=f"{now.get('g_loss', math.nan):.3f}",
                                    Dx=f"{now['d_x']:.2f}", DGz=f"{now['d_g_z']:.2f}", refresh=False)
        bar.close()
        host = {}
        for key, values in steps.items():
            if values:
                xp = backend.get_array_module(values[0])
                host[key] = backend.to_numpy(xp.stack(values)).astype(float)   # one copy per epoch
            else:
                host[key] = None
        for key, arr in host.items():
            if arr is not None and not math.isfinite(arr.sum()):
                bad = int((~(arr == arr) | (abs(arr) == math.inf)).argmax())
                _check_finite({key: float(arr[bad])}, epoch, bad + 1)
        means = {k: (float(v.mean()) if v is not None and len(v) else math.nan) for k, v in host.items()}
        return host, means

    def sample(self, *inputs):
        """G(*inputs) (G(z) for the plain GAN) in evaluation mode (batch norm uses its running
        statistics), without a graph."""
        was_training = self.G.training
        self.G.eval()
        try:
            with no_grad():
                return self.G(*inputs)
        finally:
            self.G.train(was_training)

    def noise_to_images(self, seed=0):
        """A module images = f(z) for code that knows only noise (the metrics' ``generate``):
        G itself, or for a variant with codes G(z, codes) with the codes drawn from ``seed``."""
        return type(self).noise_to_images_of(self.G, seed)

    @classmethod
    def noise_to_images_of(cls, G, seed=0):
        """:meth:`noise_to_images` for a generator ``G`` of this variant (e.g. from a checkpoint)."""
        return G if cls.inputs_for.__func__ is GAN.inputs_for.__func__ else FromNoise(G, cls.inputs_for, seed)


class FromNoise(nn.Module):
    """f(z) = G(*inputs_for(z, rng)): a variant's generator seen as a function of noise alone,
    its codes (labels, InfoGAN codes) drawn from its own NumPy generator ``rng``."""

    def __init__(self, G, inputs_for, seed=0):
        super().__init__()
        import numpy
        self.G = G
        self._inputs_for = inputs_for
        self._rng = numpy.random.default_rng(seed)
        self.train(G.training)

    def forward(self, z):
        return self.G(*self._inputs_for(z, self._rng))


def _check_finite(values, epoch, step):
    for key, v in values.items():
        if not math.isfinite(v):
            where = f"epoch {epoch}, step {step}" if epoch is not None else f"step {step}"
            raise TrainingDiverged(f"{key.replace('_', ' ')} became {v} at {where}: training stopped. "
                                   "Lower the learning rate or check the data (pixels must be in [-1, 1])")


