"""The conditional GAN's networks (Mirza & Osindero, 2014): G and D are told the class label y.

    ConditionalGenerator      G(z, y) = G_base( [z, E_G(y)] )            E_G: Embedding(10, 10)
    ConditionalDiscriminator  MLP form:   D(x, y) = D_base( [flatten(x), E_D(y)] )
                              DCGAN form: D(x, y) = D_base( [x, E_D(y) as 10 constant maps] )

``[a, b]`` joins along the feature (or channel) axis. The base networks are the course's
(:mod:`.mlp`, :mod:`.dcgan`) with their input widened by the embedding's size; the embedding
is learned (initialised N(0, 1), as PyTorch's), one vector per class, and it is the only
way the label enters. In the DCGAN form the label's vector is broadcast over the image
plane as extra input channels, so the first convolution sees it at every position.
"""
from .. import nn
from ..tensor import Tensor, cat, ones
from .dcgan import DCGAN_Discriminator, DCGAN_Generator
from .mlp import Discriminator, Generator

FORMS = ("mlp", "dcgan")


def check_labels(name, labels, n, n_classes):
    """Class labels: an int64 Tensor of shape (n,) with values in 0..n_classes-1."""
    if not isinstance(labels, Tensor) or labels.dtype.kind not in "iu":
        got = labels.dtype if isinstance(labels, Tensor) else type(labels).__name__
        raise TypeError(f"{name}: expected the class labels as an integer (int64) Tensor, got {got}")
    if labels.shape != (n,):
        raise ValueError(f"{name}: expected {n} labels of shape ({n},) (one per sample), got {labels.shape}")
    if n and (int(labels.array.min()) < 0 or int(labels.array.max()) >= n_classes):
        raise ValueError(f"{name}: labels must be in 0..{n_classes - 1}, got values from "
                         f"{int(labels.array.min())} to {int(labels.array.max())}")


def _check_form(name, form):
    if form not in FORMS:
        raise ValueError(f"{name}: form must be one of {', '.join(FORMS)}, got {form!r}")


class ConditionalGenerator(nn.Module):
    def __init__(self, z_dim=100, n_classes=10, form="mlp", out_features=784, embed_dim=None):
        super().__init__()
        _check_form("ConditionalGenerator", form)
        self.z_dim, self.n_classes, self.form = z_dim, n_classes, form
        embed_dim = n_classes if embed_dim is None else embed_dim
        self.label_emb = nn.Embedding(n_classes, embed_dim)
        self.G = (Generator(z_dim + embed_dim, out_features) if form == "mlp"
                  else DCGAN_Generator(z_dim + embed_dim))

    def forward(self, z, labels):
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"ConditionalGenerator: expected noise of shape (B, {self.z_dim}), got {z.shape}")
        check_labels("ConditionalGenerator", labels, z.shape[0], self.n_classes)
        return self.G(cat([z, self.label_emb(labels)], axis=1))


class ConditionalDiscriminator(nn.Module):
    def __init__(self, n_classes=10, form="mlp", in_features=784, embed_dim=None, sigmoid=True):
        super().__init__()
        _check_form("ConditionalDiscriminator", form)
        self.n_classes, self.form = n_classes, form
        embed_dim = n_classes if embed_dim is None else embed_dim
        self.label_emb = nn.Embedding(n_classes, embed_dim)
        self.D = (Discriminator(in_features + embed_dim, sigmoid=sigmoid) if form == "mlp"
                  else DCGAN_Discriminator(1 + embed_dim, sigmoid=sigmoid))

    def forward(self, x, labels):
        check_labels("ConditionalDiscriminator", labels, x.shape[0], self.n_classes)
        e = self.label_emb(labels)
        if self.form == "mlp":
            return self.D(cat([x.reshape(x.shape[0], -1), e], axis=1))
        if x.ndim != 4:
            raise ValueError(f"ConditionalDiscriminator (dcgan): expected images (B, 1, H, W), got {x.shape}")
        planes = e.reshape(e.shape[0], e.shape[1], 1, 1) * ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype)
        return self.D(cat([x, planes], axis=1))
