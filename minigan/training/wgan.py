"""WGAN with weight clipping (Arjovsky, Chintala & Bottou, Wasserstein GAN, 2017; Algorithm 1).

The discriminator becomes a *critic* f (no sigmoid: its output is a score, not a probability)
that estimates the Wasserstein-1 distance  W(p_data, p_g) = max_{|f|_L <= 1} E_x f(x) - E_z f(G(z)).
Clipping every critic weight to [-c, c] keeps f in a family of K-Lipschitz functions.

  critic step        (n_critic = 5 of them per generator step)
                     z ~ N(0, I);  minimise  L_C = E_z[f(G(z))] - E_x[f(x)]   (= -estimate of W)
                     RMSprop step, then  w <- clip(w, -c, c)  for every critic parameter
  generator step     fresh z';  minimise  L_G = -E_z'[f(G(z'))]

The paper's hyper-parameters: RMSprop with lr 5e-5 (its alpha, PyTorch's default 0.99),
c = 0.01, n_critic = 5 (``k`` here). The paper's code also runs 100 critic steps for the
first 25 generator steps and every 500th; that warm-up is left out, so every generator step
has the same cost. The reported ``d_x`` and ``d_g_z`` are the critic's mean scores, and
``-d_loss`` is the critic's estimate of W (up to the Lipschitz constant K), the number
that falls as the samples improve.
"""
from ..autograd import no_grad
from ..optim import RMSprop
from .gan import GAN, check_k, course_networks, frozen

CRITIC_PLOT = {"loss_label": "critic and generator losses", "output_range": None,
               "output_title": "critic scores", "output_names": ("mean f(x), real", "mean f(G(z)), fake"),
               "references": (), "output_reference": None,
               "names": ("critic loss", "G loss", "f(x)", "f(G(z))")}


def check_positive(name, flag, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} ({flag}) must be a positive number, got {value!r}")


class WGAN(GAN):
    name, title, paper = "wgan", "WGAN", "Arjovsky, Chintala & Bottou, Wasserstein GAN, 2017"
    plot = CRITIC_PLOT

    @classmethod
    def build_models(cls, model, z_dim=100, features=784):
        return course_networks(model, z_dim, features, sigmoid=False)

    def __init__(self, G, D, z_dim, lr=5e-5, k=5, clip=0.01):
        check_k(k)
        check_positive("clip", "--clip", clip)
        self._setup(G, D, z_dim, k, RMSprop, lr=lr)
        self.clip = clip

    def describe(self):
        return f"RMSprop lr {self.lr:g}; n_critic (k) {self.k}; critic weights clipped to +-{self.clip:g}"

    def clip_critic(self):
        """w <- clip(w, -c, c) for every critic parameter, in place."""
        with no_grad():
            for p in self.D.parameters():
                p.clamp_(-self.clip, self.clip)

    def critic_step(self, real):
        m = real.shape[0]
        with no_grad():
            fake = self.G(self.noise(m))
        self.opt_D.zero_grad()
        f_real, f_fake = self.D(real).mean(), self.D(fake).mean()
        loss_C = f_fake - f_real
        loss_C.backward()
        self.opt_D.step()
        self.clip_critic()
        self.d_steps += 1
        return {"d_loss": loss_C.array, "d_x": f_real.array, "d_g_z": f_fake.array}

    def generator_step(self, m):
        self.opt_G.zero_grad()
        with frozen(self.D):
            loss_G = -self.D(self.G(self.noise(m))).mean()
            loss_G.backward()
        self.opt_G.step()
        self.d_steps = 0
        return loss_G

    def train_step(self, real, labels=None):
        g_turn = self.g_turn()
        out = self.critic_step(real)
        if g_turn:
            out["g_loss"] = self.generator_step(real.shape[0]).array
        return out
