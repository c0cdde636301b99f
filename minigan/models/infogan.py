"""InfoGAN's networks (Chen et al., 2016): a generator fed latent codes beside the noise, and a
discriminator whose body is shared with the head Q that recovers the codes.

    InfoGenerator      G(z, c, c') = G_base( [z, one_hot(c), c'] )
                       c ~ Cat(10) (the categorical code), c' ~ U[-1, 1]^2 (the continuous codes)
    InfoDiscriminator  h = body(x)                           the course's D without its last layer
                       D(x)  = sigmoid(Linear(h, 1))          the adversarial head
                       Q(x)  = Linear(LeakyReLU(Linear(h, 128)), 10 + 2)
                               -> (logits of c, 10 values;  mean of c', 2 values)

The body is the course's MLP D up to its 128-unit layer, or the DCGAN D up to its flattened
(128, 7, 7) maps; G_base is the course's generator with an input widened by 12. ``forward(x)``
is D(x), so the GAN machinery sees an ordinary discriminator; ``heads(x)`` gives all three
outputs from one pass through the body. The logits are not softmax-ed: the cross-entropy
that consumes them applies log-softmax itself.
"""
from .. import nn
from ..functional import one_hot
from ..tensor import cat
from .conditional import _check_form, check_labels
from .dcgan import DCGAN_Generator, dcgan_init_
from .mlp import Generator


class InfoGenerator(nn.Module):
    def __init__(self, z_dim=100, n_cat=10, n_cont=2, form="mlp", out_features=784):
        super().__init__()
        _check_form("InfoGenerator", form)
        self.z_dim, self.n_cat, self.n_cont, self.form = z_dim, n_cat, n_cont, form
        width = z_dim + n_cat + n_cont
        self.G = Generator(width, out_features) if form == "mlp" else DCGAN_Generator(width)

    def forward(self, z, c, c_cont):
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"InfoGenerator: expected noise of shape (B, {self.z_dim}), got {z.shape}")
        check_labels("InfoGenerator", c, z.shape[0], self.n_cat)
        if c_cont.shape != (z.shape[0], self.n_cont):
            raise ValueError(f"InfoGenerator: expected continuous codes of shape ({z.shape[0]}, {self.n_cont}), "
                             f"got {c_cont.shape}")
        return self.G(cat([z, one_hot(c, self.n_cat).type(z.dtype), c_cont], axis=1))


class InfoDiscriminator(nn.Module):
    def __init__(self, n_cat=10, n_cont=2, form="mlp", in_features=784, q_hidden=128):
        super().__init__()
        _check_form("InfoDiscriminator", form)
        self.n_cat, self.n_cont, self.form, self.in_features = n_cat, n_cont, form, in_features
        if form == "mlp":
            self.body = nn.Sequential(nn.Linear(in_features, 256), nn.LeakyReLU(0.2, inplace=True),
                                      nn.Linear(256, 128), nn.LeakyReLU(0.2, inplace=True))
            width = 128
        else:
            self.body = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                                      nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128),
                                      nn.LeakyReLU(0.2, inplace=True), nn.Flatten())
            width = 128 * 7 * 7
        self.adv = nn.Sequential(nn.Linear(width, 1), nn.Sigmoid())
        self.q = nn.Sequential(nn.Linear(width, q_hidden), nn.LeakyReLU(0.2, inplace=True),
                               nn.Linear(q_hidden, n_cat + n_cont))
        if form == "dcgan":
            self.apply(dcgan_init_)

    def _body(self, x):
        if self.form == "mlp" and x.ndim != 2:
            x = x.reshape(x.shape[0], -1)
        return self.body(x)

    def forward(self, x):
        return self.adv(self._body(x))

    def heads(self, x):
        """(D(x) (B, 1), logits of the categorical code (B, n_cat), mean of the continuous codes
        (B, n_cont)), from one pass through the shared body."""
        h = self._body(x)
        q = self.q(h)
        return self.adv(h), q[:, :self.n_cat], q[:, self.n_cat:]
