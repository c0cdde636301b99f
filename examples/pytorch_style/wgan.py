"""WGAN with weight clipping (Arjovsky et al., 2017) in the style of the usual public script:
RMSprop, 5 critic steps per generator step, ``p.data.clamp_(-c, c)``."""
import argparse
import os

import minigan as torch
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
parser.add_argument("--lr", type=float, default=0.00005)
parser.add_argument("--n_critic", type=int, default=5)
parser.add_argument("--clip_value", type=float, default=0.01)
parser.add_argument("--out", default="out_wgan")
opt = parser.parse_args()
img_shape = (1, 28, 28)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

generator = nn.Sequential(nn.Linear(opt.latent_dim, 128), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(128, 256), nn.BatchNorm1d(256, 0.8), nn.LeakyReLU(0.2, inplace=True),
                          nn.Linear(256, 784), nn.Tanh()).to(device)
discriminator = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2, inplace=True),
                              nn.Linear(512, 256), nn.LeakyReLU(0.2, inplace=True), nn.Linear(256, 1)).to(device)
dataloader = DataLoader(
    vision.datasets.MNIST(os.environ.get("MINIGAN_DATA_DIR", "data"), train=True, download=False,
                          transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])),
    batch_size=opt.batch_size, shuffle=True)
optimizer_G = optim.RMSprop(generator.parameters(), lr=opt.lr)
optimizer_D = optim.RMSprop(discriminator.parameters(), lr=opt.lr)

batches_done = 0
for epoch in range(opt.n_epochs):
    for i, (imgs, _) in enumerate(dataloader):
        real_imgs = imgs.view(imgs.size(0), -1).to(device)
        optimizer_D.zero_grad()
        z = torch.randn(imgs.shape[0], opt.latent_dim, device=device)
        fake_imgs = generator(z).detach()
        loss_D = -torch.mean(discriminator(real_imgs)) + torch.mean(discriminator(fake_imgs))
        loss_D.backward()
        optimizer_D.step()
        for p in discriminator.parameters():
            p.data.clamp_(-opt.clip_value, opt.clip_value)
        if i % opt.n_critic == 0:
            optimizer_G.zero_grad()
            gen_imgs = generator(z)
            loss_G = -torch.mean(discriminator(gen_imgs))
            loss_G.backward()
            optimizer_G.step()
            print(f"[Epoch {epoch}/{opt.n_epochs}] [Batch {i}/{len(dataloader)}] [D loss: {loss_D.item():.4f}] "
                  f"[G loss: {loss_G.item():.4f}]")
        batches_done += 1
        if batches_done == opt.steps:
            break
    if batches_done == opt.steps:
        break
os.makedirs(opt.out, exist_ok=True)
vision.utils.save_image(gen_imgs.data[:25].view(-1, *img_shape), os.path.join(opt.out, "wgan.png"),
                        nrow=5, normalize=True)
