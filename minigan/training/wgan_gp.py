"""WGAN-GP (Gulrajani et al., Improved Training of Wasserstein GANs, 2017; Algorithm 1).

The critic f of WGAN, kept near 1-Lipschitz by a penalty on its gradient instead of clipping:

  critic step        (n_critic = 5 per generator step), for a real batch x and z ~ N(0, I):
                     x~ = G(z)  (detached)
                     eps ~ U[0, 1], ONE number per sample: shape (m, 1, 1, 1) for images,
                                    (m, 1) for flat data (a coefficient per pixel would not
                                    put x^ on the line between x and x~)
                     x^ = eps x + (1 - eps) x~
                     g  = d f(x^) / d x^                  (autograd.grad, create_graph=True: the
                                                           penalty is differentiated again)
                     |g| = sqrt(sum over each sample's pixels of g^2 + 1e-12)   (no NaN when g = 0)
                     L_C = E[f(x~)] - E[f(x)] + lambda E[(|g| - 1)^2]
  generator step     fresh z';  minimise  L_G = -E[f(G(z'))]

The paper's hyper-parameters: lambda = 10, n_critic = 5 (``k``), Adam(1e-4, betas (0.5, 0.9)).
The penalty is per sample, so the critic has no batch normalization (which would make one
sample's score depend on the others): the MLP critic has none, the DCGAN critic takes
LayerNorm where the course's D has BatchNorm, as the paper advises. The step also reports
``gp`` (the penalty, without lambda) and ``grad_norm`` (the mean |g| on the interpolates),
which the penalty holds near 1.
"""
from .. import autograd
from ..autograd import no_grad
from ..optim import Adam
from ..tensor import ones_like, rand
from .gan import check_k, course_networks
from .wgan import WGAN, check_positive

NORM_EPS = 1e-12


def gradient_penalty(critic, real, fake, eps):
    """(E[(|d critic/d x^| - 1)^2], the mean norm) at x^ = eps real + (1 - eps) fake, with the
    norm sqrt(sum g^2 + 1e-12) over each sample's features; differentiable (create_graph)."""
    x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_()
    out = critic(x_hat)
    (g,) = autograd.grad(out, x_hat, grad_outputs=ones_like(out), create_graph=True)
    norm = ((g.reshape(g.shape[0], -1) ** 2).sum(axis=1) + NORM_EPS).sqrt()
    return ((norm - 1) ** 2).mean(), norm.mean()


def mixing_coefficients(real):
    """eps ~ U[0, 1], one per sample, shaped to broadcast over the sample: (m, 1, ..., 1)."""
    return rand(real.shape[0], *([1] * (real.ndim - 1)), dtype=real.dtype)


class WGANGP(WGAN):
    name, title, paper = "wgan-gp", "WGAN-GP", "Gulrajani et al., Improved Training of Wasserstein GANs, 2017"

    @classmethod
    def build_models(cls, model, z_dim=100, features=784):
        return course_networks(model, z_dim, features, sigmoid=False, norm="layer")

    def __init__(self, G, D, z_dim, lr=1e-4, betas=(0.5, 0.9), k=5, lambda_gp=10.0):
        check_k(k)
        check_positive("lambda_gp", "--lambda-gp", lambda_gp)
        self._setup(G, D, z_dim, k, Adam, lr=lr, betas=betas)
        self.betas, self.lambda_gp = tuple(betas), lambda_gp

    def describe(self):
        return (f"Adam lr {self.lr:g}, betas ({self.betas[0]:g}, {self.betas[1]:g}); n_critic (k) {self.k}; "
                f"gradient penalty lambda {self.lambda_gp:g}, one eps per sample")

    def critic_step(self, real):
        m = real.shape[0]
        with no_grad():
            fake = self.G(self.noise(m)).reshape(real.shape)     # the MLP G's images come flat
        self.opt_D.zero_grad()
        f_real, f_fake = self.D(real).mean(), self.D(fake).mean()
        gp, grad_norm = gradient_penalty(self.D, real, fake, mixing_coefficients(real))
        loss_C = f_fake - f_real + self.lambda_gp * gp
        loss_C.backward()
        self.opt_D.step()
        self.d_steps += 1
        return {"d_loss": loss_C.array, "d_x": f_real.array, "d_g_z": f_fake.array, "gp": gp.array,
                "grad_norm": grad_norm.array}
