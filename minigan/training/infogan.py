"""InfoGAN (Chen et al., InfoGAN: Interpretable Representation Learning by Information
Maximizing Generative Adversarial Nets, 2016).

G's input is the noise z and latent codes: a categorical code c ~ Cat(10) (one-hot) and two
continuous codes c' ~ U[-1, 1]^2. A head Q, sharing D's body (:mod:`minigan.models.infogan`),
predicts the codes from an image; maximising the variational lower bound L_I of the mutual
information I(c; G(z, c)) makes G's output depend on the codes in ways Q can read back:

  L_I(G, Q) = lambda_cat  * CE(Q_cat(G(z, c, c')), c)                 (cross-entropy on the logits)
            + lambda_cont * E[ sum_j 1/2 (c'_j - mu_j(G(z, c, c')))^2 ]  (factored Gaussian, sigma = 1)

(the negative log-likelihoods of the codes under Q, up to constants).

  discriminator step   z, c, c' from the prior, fakes detached from G
                       minimise  BCE(D(x), 1) + BCE(D(G(z,c,c')), 0) + L_I      over D's body, D, Q
  generator step       fresh z, c, c' (every k-th step)
                       minimise  BCE(D(G(z,c,c')), 1) + L_I                      over G (D and Q held)

Both players minimise L_I, as in the paper's min_{G,Q} max_D V(D, G) - lambda L_I: Q learns
to read the codes in D's step, G learns to write them in its own.

Choices, with the reason: lambda_cat = 1 and lambda_cont = 1, the paper's values for MNIST.
Q's continuous head gives only the mean mu, with the standard deviation fixed at 1 (the paper
"simply treats sigma as fixed" as one of its options; a learned log-sigma can run to -inf on
codes Q reads well and blow the loss up), so the continuous term is half a squared error.
The cross-entropy takes Q's raw logits: it applies log-softmax itself, so a softmax before
it would squash the scores twice. One Adam (2e-4, betas (0.5, 0.999)) for each side, the
course's, where the paper gives G 1e-3: one learning rate keeps the comparison with the
other variants at equal settings. z has the run's z_dim (100; the paper uses 62).
"""
import numpy

from ..autograd import no_grad
from ..functional import cross_entropy
from ..models import InfoDiscriminator, InfoGenerator
from ..tensor import rand, randint, tensor
from .gan import GAN, frozen
from .wgan import check_positive

TRAVERSALS = ("cat", "c1", "c2")


class InfoGAN(GAN):
    name, title, paper = "infogan", "InfoGAN", ("Chen et al., InfoGAN: Interpretable Representation Learning by "
                                                "Information Maximizing Generative Adversarial Nets, 2016")
    toy = False
    not_toy = ("its 10 categories and 2 continuous codes are made to describe digits; points in the "
               "plane have no such factors to find")
    n_cat, n_cont = 10, 2

    @classmethod
    def build_models(cls, model, z_dim=100, features=784):
        return (InfoGenerator(z_dim, cls.n_cat, cls.n_cont, form=model, out_features=features),
                InfoDiscriminator(cls.n_cat, cls.n_cont, form=model, in_features=features))

    def __init__(self, G, D, z_dim, lr=2e-4, betas=(0.5, 0.999), k=1, g_loss="non-saturating",
                 lambda_cat=1.0, lambda_cont=1.0):
        super().__init__(G, D, z_dim, lr=lr, betas=betas, k=k, g_loss=g_loss)
        check_positive("lambda_cat", "--lambda-cat", lambda_cat)
        check_positive("lambda_cont", "--lambda-cont", lambda_cont)
        self.lambda_cat, self.lambda_cont = lambda_cat, lambda_cont

    def describe(self):
        return (super().describe() + f"; codes: 1 categorical ({self.n_cat}) + {self.n_cont} continuous U[-1, 1]; "
                f"lambda_cat {self.lambda_cat:g}, lambda_cont {self.lambda_cont:g}")

    def latent(self, n):
        """(z, c, c'): noise, a uniform categorical code, continuous codes uniform in [-1, 1]."""
        return self.noise(n), randint(0, self.n_cat, (n,)), rand(n, self.n_cont) * 2 - 1

    @classmethod
    def inputs_for(cls, z, rng):
        n = len(z)
        return (z, tensor(rng.integers(0, cls.n_cat, n)),
                tensor(rng.uniform(-1, 1, (n, cls.n_cont)).astype(z.dtype)))

    def information_loss(self, logits, mu, c, c_cont):
        """L_I: lambda_cat CE(logits, c) + lambda_cont mean over the batch of sum_j (c'_j - mu_j)^2 / 2."""
        return (self.lambda_cat * cross_entropy(logits, c)
                + self.lambda_cont * 0.5 * ((c_cont - mu) ** 2).sum(axis=1).mean())

    def train_step(self, real, labels=None):
        g_turn = self.g_turn()
        m = real.shape[0]
        real_label, fake_label = self._targets(m, real.dtype)
        # --- discriminator (and Q) step
        z, c, c_cont = self.latent(m)
        with no_grad():
            fake = self.G(z, c, c_cont)
        self.opt_D.zero_grad()
        d_real = self.D(real)
        d_fake, logits, mu = self.D.heads(fake)
        info_D = self.information_loss(logits, mu, c, c_cont)
        loss_D = self.criterion(d_real, real_label) + self.criterion(d_fake, fake_label) + info_D
        loss_D.backward()
        self.opt_D.step()
        self.d_steps += 1
        out = {"d_loss": loss_D.array, "d_x": d_real.mean().array, "d_g_z": d_fake.mean().array,
               "info": info_D.array}
        # --- generator step, fresh noise and codes
        if g_turn:
            z, c, c_cont = self.latent(m)
            self.opt_G.zero_grad()
            with frozen(self.D):
                d_fake, logits, mu = self.D.heads(self.G(z, c, c_cont))
                loss_G = self.generator_loss(d_fake) + self.information_loss(logits, mu, c, c_cont)
                loss_G.backward()
            self.opt_G.step()
            self.d_steps = 0
            out["g_loss"] = loss_G.array
        return out

    # --- latent traversals for `minigan sample --traverse`
    @classmethod
    def traversal_inputs(cls, rng, z_dim, code, steps=10, span=(-1.0, 1.0)):
        """One code varied along each row, everything else fixed, as NumPy arrays (z, c, c').

        ``code`` "cat": row r has its own z and c'; its columns run through the 10 categories.
        ``code`` "c1" / "c2": row r is category r (10 rows), with one z and the other code held
        for the whole grid; the columns run the chosen code over ``span`` in ``steps`` steps."""
        if code not in TRAVERSALS:
            raise ValueError(f"--traverse must be one of {', '.join(TRAVERSALS)}, got {code!r}")
        rows = cls.n_cat
        if code == "cat":
            z = numpy.repeat(rng.standard_normal((rows, z_dim)), cls.n_cat, axis=0)
            c_cont = numpy.repeat(rng.uniform(-1, 1, (rows, cls.n_cont)), cls.n_cat, axis=0)
            c = numpy.tile(numpy.arange(cls.n_cat), rows)
            return z, c, c_cont
        j = TRAVERSALS.index(code) - 1
        z = numpy.repeat(rng.standard_normal((1, z_dim)), rows * steps, axis=0)
        c_cont = numpy.repeat(rng.uniform(-1, 1, (1, cls.n_cont)), rows * steps, axis=0)
        c_cont[:, j] = numpy.tile(numpy.linspace(span[0], span[1], steps), rows)
        c = numpy.repeat(numpy.arange(rows), steps)
        return z, c, c_cont
