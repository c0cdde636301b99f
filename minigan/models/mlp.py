"""The MLP GAN of the course: three fully connected layers each way, LeakyReLU(0.2) between.

    Generator:      z (B, 100) -> 128 -> 256 -> 784, Tanh     (a flat 28x28 image in [-1, 1])
    Discriminator:  x (B, 784) -> 256 -> 128 -> 1,   Sigmoid  (the probability that x is real)

The sizes are arguments (defaults as documented), so the same classes serve the 2-D toy demo.
Both keep the layers' default initialisation. ``Discriminator(sigmoid=False)`` is the critic of
the Wasserstein GANs and LSGAN's discriminator: the same layers, ending in the raw score.
"""
from .. import nn


class Generator(nn.Module):
    def __init__(self, z_dim=100, out_features=784, hidden=(128, 256), negative_slope=0.2):
        super().__init__()
        self.z_dim, self.out_features = z_dim, out_features
        h1, h2 = hidden
        self.G = nn.Sequential(
            nn.Linear(z_dim, h1), nn.LeakyReLU(negative_slope, inplace=True),
            nn.Linear(h1, h2), nn.LeakyReLU(negative_slope, inplace=True),
            nn.Linear(h2, out_features), nn.Tanh(),
        )

    def forward(self, z):
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"Generator: expected noise of shape (B, {self.z_dim}), got {z.shape}")
        return self.G(z)


class Discriminator(nn.Module):
    def __init__(self, in_features=784, hidden=(256, 128), negative_slope=0.2, sigmoid=True):
        super().__init__()
        self.in_features = in_features
        h1, h2 = hidden
        self.D = nn.Sequential(
            nn.Linear(in_features, h1), nn.LeakyReLU(negative_slope, inplace=True),
            nn.Linear(h1, h2), nn.LeakyReLU(negative_slope, inplace=True),
            nn.Linear(h2, 1), *([nn.Sigmoid()] if sigmoid else []),
        )

    def forward(self, x):
        if x.ndim != 2:       # images (B, 1, 28, 28) are flattened, as the course's code does
            x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.in_features:
            raise ValueError(f"Discriminator: expected inputs with {self.in_features} features "
                             f"(flattened), got shape {x.shape}")
        return self.D(x)
