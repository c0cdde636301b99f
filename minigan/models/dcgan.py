"""The DCGAN of the course, for 1x28x28 MNIST images.

    DCGAN_Generator:      z (B, 100) -> (B, 100, 1, 1)
                          -> ConvT k7 s1    -> (B, 256, 7, 7)    BatchNorm, ReLU
                          -> ConvT k4 s2 p1 -> (B, 128, 14, 14)  BatchNorm, ReLU
                          -> ConvT k4 s2 p1 -> (B, 1, 28, 28)    Tanh
    DCGAN_Discriminator:  x (B, 1, 28, 28)
                          -> Conv k4 s2 p1  -> (B, 64, 14, 14)   LeakyReLU(0.2)
                          -> Conv k4 s2 p1  -> (B, 128, 7, 7)    BatchNorm, LeakyReLU(0.2)
                          -> Flatten -> Linear(6272, 1) -> Sigmoid

``DCGAN_Discriminator(sigmoid=False)`` ends in the raw score (a critic, or LSGAN's D), and
``norm="layer"`` puts LayerNorm((128, 7, 7)) where the batch norm was (``norm=None``: nothing):
WGAN-GP's critic, whose penalty is per sample and so must not mix the samples of a batch.

Weights: conv, transposed-conv and linear weights ~ N(0, 0.02) (the DCGAN paper, Radford et al. 2016);
batch-norm scales ~ N(1, 0.02) and shifts 0 (PyTorch's DCGAN tutorial, not the paper).
"""
from .. import nn
from ..nn import init


def dcgan_init_(module):
    """The course's DCGAN initialisation, applied to one module (use with ``model.apply``):
    weights as in the DCGAN paper, batch-norm scales as in PyTorch's DCGAN tutorial."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and module.weight is not None:
        init.normal_(module.weight, 1.0, 0.02)
        init.zeros_(module.bias)


NORMS = ("batch", "layer", None)


def _check_image_size(image_size):
    if not isinstance(image_size, int) or image_size < 4 or image_size % 4:
        raise ValueError(f"DCGAN: image_size must be a multiple of 4 (two stride-2 layers halve it "
                         f"twice), got {image_size!r}")
    return image_size // 4


class DCGAN_Generator(nn.Module):
    def __init__(self, z_dim=100, channels=1, feature_maps=64, image_size=28):
        super().__init__()
        self.z_dim = z_dim
        start = _check_image_size(image_size)      # 7 for 28x28: the first layer makes 7x7 maps
        fm = feature_maps
        self.G = nn.Sequential(
            nn.ConvTranspose2d(z_dim, fm * 4, start, 1, 0, bias=False),
            nn.BatchNorm2d(fm * 4), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(fm * 4, fm * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(fm * 2), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(fm * 2, channels, 4, 2, 1, bias=False),
            nn.Tanh(),
        )
        self.apply(dcgan_init_)

    def forward(self, z):
        if z.ndim == 2:
            if z.shape[1] != self.z_dim:
                raise ValueError(f"DCGAN_Generator: expected noise of shape (B, {self.z_dim}), got {z.shape}")
            z = z.reshape(z.shape[0], self.z_dim, 1, 1)
        return self.G(z)


class DCGAN_Discriminator(nn.Module):
    def __init__(self, channels=1, feature_maps=64, image_size=28, sigmoid=True, norm="batch"):
        super().__init__()
        end = _check_image_size(image_size)         # 7 for 28x28
        fm = feature_maps
        if norm not in NORMS:
            raise ValueError(f"DCGAN_Discriminator: norm must be one of {NORMS}, got {norm!r}")
        middle = {"batch": [nn.BatchNorm2d(fm * 2)], "layer": [nn.LayerNorm((fm * 2, end, end))], None: []}[norm]
        self.D = nn.Sequential(
            nn.Conv2d(channels, fm, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(fm, fm * 2, 4, 2, 1, bias=False),
            *middle,
            nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(),
            nn.Linear(fm * 2 * end * end, 1),
            *([nn.Sigmoid()] if sigmoid else []),
        )
        self.apply(dcgan_init_)

    def forward(self, x):
        return self.D(x)
