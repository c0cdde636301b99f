"""WGAN-GP (Gulrajani et al., 2017) in the style of the usual public script: the gradient
penalty through ``torch.autograd.grad(..., create_graph=True)``, a critic without batch norm,
5 critic steps per generator step, Adam(1e-4, (0.5, 0.9)), lambda 10."""
import argparse
import os

import minigan as torch
import minigan.autograd as autograd
import minigan.nn as nn
import minigan.optim as optim
from minigan import vision
from minigan.utils.data import DataLoader
from minigan.vision import transforms

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=int(os.environ.get("STEPS", 0)) or None)
parser.add_argument("--n_epochs", type=int, default=200)
parser.add_argument("--batch_size", type=int, default=64)
parser.add_argument("--latent_dim", type=int, default=100)
parser.add_argument("--n_critic", type=int, default=5)
parser.add_argument("--out", default="out_wgan_gp")
opt = parser.parse_args()
img_shape = (1, 28, 28)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
lambda_gp = 10

generator = nn.Sequential(nn.Linear(opt.latent_dim, 128), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(128, 256), nn.BatchNorm1d(256, 0.8), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(256, 784), nn.Tanh()).to(device)
discriminator = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.LeakyReLU(0.2, inplace=True),
                              nn.Linear(512, 256), nn.LeakyReLU(0.2, inplace=True), nn.Linear(256, 1)).to(device)
dataloader = DataLoader(
    vision.datasets.MNIST(os.environ.get("MINIGAN_DATA_DIR", "data"), train=True, download=False,
                          transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])),
    batch_size=opt.batch_size, shuffle=True)
optimizer_G = optim.Adam(generator.parameters(), lr=1e-4, betas=(0.5, 0.9))
optimizer_D = optim.Adam(discriminator.parameters(), lr=1e-4, betas=(0.5, 0.9))


def compute_gradient_penalty(D, real_samples, fake_samples):
    alpha = torch.rand(real_samples.size(0), 1, 1, 1, device=device)
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    d_interpolates = D(interpolates)
    gradients = autograd.grad(outputs=d_interpolates, inputs=interpolates,
                              grad_outputs=torch.ones_like(d_interpolates),
                              create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


batches_done = 0
for epoch in range(opt.n_epochs):
    for i, (imgs, _) in enumerate(dataloader):
        real_imgs = imgs.to(device)
        optimizer_D.zero_grad()
        z = torch.randn(imgs.shape[0], opt.latent_dim, device=device)
        fake_imgs = generator(z).view(imgs.shape[0], *img_shape)
        real_validity = discriminator(real_imgs)
        fake_validity = discriminator(fake_imgs.detach())
        gradient_penalty = compute_gradient_penalty(discriminator, real_imgs.data, fake_imgs.data)
        d_loss = -torch.mean(real_validity) + torch.mean(fake_validity) + lambda_gp * gradient_penalty
        d_loss.backward()
        optimizer_D.step()
        optimizer_G.zero_grad()
        if i % opt.n_critic == 0:
            fake_imgs = generator(z).view(imgs.shape[0], *img_shape)
            g_loss = -torch.mean(discriminator(fake_imgs))
            g_loss.backward()
            optimizer_G.step()
            print(f"[Epoch {epoch}/{opt.n_epochs}] [Batch {i}/{len(dataloader)}] [D loss: {d_loss.item():.4f}] "
                  f"[G loss: {g_loss.item():.4f}] [GP: {gradient_penalty.item():.4f}]")
        batches_done += 1
        if batches_done == opt.steps:
            break
    if batches_done == opt.steps:
        break
os.makedirs(opt.out, exist_ok=True)
vision.utils.save_image(fake_imgs.data[:25], os.path.join(opt.out, "wgan_gp.png"), nrow=5, normalize=True)
