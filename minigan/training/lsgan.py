"""LSGAN (Mao et al., Least Squares Generative Adversarial Networks, 2017).

The discriminator ends in a raw score D(x) (no sigmoid) and both players minimise squared
errors to target values a (fake), b (real) and c (what G wants D to believe):

  discriminator step   minimise  1/2 E_x[(D(x) - b)^2] + 1/2 E_z[(D(G(z)) - a)^2]
  generator step       minimise  1/2 E_z[(D(G(z)) - c)^2]                 (fresh z, every k-th step)

with the paper's 0-1 coding a = 0, b = 1, c = 1 (its eq. 9). A fake that D scores far on
the real side of the boundary still gets a gradient proportional to its distance from c,
whereas the sigmoid cross-entropy's gradient vanishes once D is sure; that is the vanishing
gradient LSGAN was made to cure. Adam 2e-4, betas (0.5, 0.999), as in the paper.

When p_g = p_data the best D outputs (b p_data + a p_g) / (p_data + p_g) = 1/2 everywhere,
so the D loss is 1/4 and the G loss 1/8 there: the reference lines of the curves.
"""
from ..autograd import no_grad
from ..optim import Adam
from .gan import GAN, check_k, course_networks, frozen


class LSGAN(GAN):
    name, title, paper = "lsgan", "LSGAN", "Mao et al., Least Squares Generative Adversarial Networks, 2017"
    plot = {"loss_label": "least-squares loss", "output_range": None, "output_title": "discriminator scores",
            "output_names": ("mean D(x), real", "mean D(G(z)), fake"),
            "references": ((0.25, "1/4: D loss when D = 1/2"), (0.125, "1/8: G loss when D = 1/2")),
            "output_reference": (0.5, "1/2: the best D when p_g = p_data"),
            "names": GAN.plot["names"]}

    @classmethod
    def build_models(cls, model, z_dim=100, features=784):
        return course_networks(model, z_dim, features, sigmoid=False)

    def __init__(self, G, D, z_dim, lr=2e-4, betas=(0.5, 0.999), k=1, a=0.0, b=1.0, c=1.0):
        check_k(k)
        self._setup(G, D, z_dim, k, Adam, lr=lr, betas=betas)
        self.betas, self.a, self.b, self.c = tuple(betas), a, b, c

    def describe(self):
        return (f"Adam lr {self.lr:g}, betas ({self.betas[0]:g}, {self.betas[1]:g}); k {self.k}; "
                f"least-squares targets a={self.a:g} (fake), b={self.b:g} (real), c={self.c:g} (G)")

    def train_step(self, real, labels=None):
        g_turn = self.g_turn()
        m = real.shape[0]
        # --- discriminator step
        with no_grad():
            fake = self.G(self.noise(m))
        self.opt_D.zero_grad()
        d_real, d_fake = self.D(real), self.D(fake)
        loss_D = 0.5 * ((d_real - self.b) ** 2).mean() + 0.5 * ((d_fake - self.a) ** 2).mean()
        loss_D.backward()
        self.opt_D.step()
        self.d_steps += 1
        out = {"d_loss": loss_D.array, "d_x": d_real.mean().array, "d_g_z": d_fake.mean().array}
        # --- generator step
        if g_turn:
            self.opt_G.zero_grad()
            with frozen(self.D):
                loss_G = 0.5 * ((self.D(self.G(self.noise(m))) - self.c) ** 2).mean()
                loss_G.backward()
            self.opt_G.step()
            self.d_steps = 0
            out["g_loss"] = loss_G.array
        return out
