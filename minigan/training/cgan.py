"""The conditional GAN (Mirza & Osindero, Conditional Generative Adversarial Nets, 2014).

G and D both receive the class label y (:mod:`minigan.models.conditional`); the game is the
GAN's with every term conditioned on y. For each real minibatch (x, y) of size m:

  discriminator step   z ~ N(0, I), y' ~ U{0..9} (one label per fake)
                       minimise  BCE(D(x | y), 1) + BCE(D(G(z | y') | y'), 0)
                       (the fakes detached: this step does not move G)
  generator step       every k-th iteration, fresh z'', y'' (as Algorithm 1 draws new noise)
                       minimise  BCE(D(G(z'' | y'') | y''), 1)      (non-saturating; or the minimax
                                                                    log(1 - D(G(z''|y'')|y'')))

Hyper-parameters: the course GAN's (Adam 2e-4, betas (0.5, 0.999), k 1). The fakes' labels
are drawn uniformly: MNIST's classes are close to balanced, and a uniform prior lets
``minigan sample --label`` ask for any digit equally.
"""
import numpy

from ..autograd import no_grad
from ..models import ConditionalDiscriminator, ConditionalGenerator
from ..tensor import randint, tensor
from .gan import GAN, frozen


class ConditionalGAN(GAN):
    name, title, paper = "cgan", "conditional GAN", "Mirza & Osindero, Conditional Generative Adversarial Nets, 2014"
    conditional = True
    toy = False
    not_toy = "its networks take class labels, and the 2-D points have none"
    n_classes = 10

    @classmethod
    def build_models(cls, model, z_dim=100, features=784):
        return (ConditionalGenerator(z_dim, cls.n_classes, form=model, out_features=features),
                ConditionalDiscriminator(cls.n_classes, form=model, in_features=features))

    def __init__(self, G, D, z_dim, lr=2e-4, betas=(0.5, 0.999), k=1, g_loss="non-saturating"):
        super().__init__(G, D, z_dim, lr=lr, betas=betas, k=k, g_loss=g_loss)

    def latent(self, n):
        """(z, y): noise and uniformly drawn labels."""
        return self.noise(n), randint(0, self.n_classes, (n,))

    @classmethod
    def inputs_for(cls, z, rng):
        return z, tensor(rng.integers(0, cls.n_classes, len(z)))

    def train_step(self, real, labels=None):
        if labels is None:
            raise ValueError("the conditional GAN trains on labelled data: train_step needs the real batch's labels")
        g_turn = self.g_turn()
        m = real.shape[0]
        real_label, fake_label = self._targets(m, real.dtype)
        # --- discriminator step
        z, y_fake = self.latent(m)
        with no_grad():
            fake = self.G(z, y_fake)
        self.opt_D.zero_grad()
        d_real, d_fake = self.D(real, labels), self.D(fake, y_fake)
        loss_D = self.criterion(d_real, real_label) + self.criterion(d_fake, fake_label)
        loss_D.backward()
        self.opt_D.step()
        self.d_steps += 1
        out = {"d_loss": loss_D.array, "d_x": d_real.mean().array, "d_g_z": d_fake.mean().array}
        # --- generator step, on fresh noise and labels
        if g_turn:
            z, y = self.latent(m)
            self.opt_G.zero_grad()
            with frozen(self.D):
                loss_G = self.generator_loss(self.D(self.G(z, y), y))
                loss_G.backward()
            self.opt_G.step()
            self.d_steps = 0
            out["g_loss"] = loss_G.array
        return out

    # --- what `minigan sample` asks of a conditional generator
    @classmethod
    def label_inputs(cls, z, label):
        """Labels for noise ``z`` (n, z_dim), a NumPy array: all ``label``."""
        check_class(label, cls.n_classes)
        return z, numpy.full(len(z), label, dtype=numpy.int64)

    @classmethod
    def class_grid_inputs(cls, rng, z_dim, per_class=10):
        """A grid with one class per row: row c holds ``per_class`` samples of digit c, each
        with its own noise. Returns (z, labels) as NumPy arrays, ``n_classes * per_class`` long."""
        z = rng.standard_normal((cls.n_classes * per_class, z_dim))
        return z, numpy.repeat(numpy.arange(cls.n_classes), per_class)


def check_class(label, n_classes=10):
    if not isinstance(label, (int, numpy.integer)) or isinstance(label, bool) or not 0 <= label < n_classes:
        raise ValueError(f"the label must be a class from 0 to {n_classes - 1}, got {label!r}")
