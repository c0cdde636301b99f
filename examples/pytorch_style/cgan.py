"""Conditional GAN (Mirza & Osindero, 2014) in the style of the usual public script: the label
enters G and D through nn.Embedding."""
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
parser.add_argument("--n_classes", type=int, default=10)
parser.add_argument("--out", default="out_cgan")
opt = parser.parse_args()
img_shape = (1, 28, 28)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(opt.n_classes, opt.n_classes)

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(*block(opt.latent_dim + opt.n_classes, 128, normalize=False),
                                   *block(128, 256), *block(256, 512), nn.Linear(512, 784), nn.Tanh())

    def forward(self, noise, labels):
        gen_input = torch.cat((self.label_emb(labels), noise), -1)
        img = self.model(gen_input)
        return img.view(img.size(0), *img_shape)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_embedding = nn.Embedding(opt.n_classes, opt.n_classes)
        self.model = nn.Sequential(nn.Linear(opt.n_classes + 784, 512), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(512, 512), nn.Dropout(0.4), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(512, 1))

    def forward(self, img, labels):
        d_in = torch.cat((img.view(img.size(0), -1), self.label_embedding(labels)), -1)
        return self.model(d_in)


adversarial_loss = nn.MSELoss()
generator, discriminator = Generator().to(device), Discriminator().to(device)
dataloader = DataLoader(
    vision.datasets.MNIST(os.environ.get("MINIGAN_DATA_DIR", "data"), train=True, download=False,
                          transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])),
    batch_size=opt.batch_size, shuffle=True)
optimizer_G = optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))

done = 0
for epoch in range(opt.n_epochs):
    for i, (imgs, labels) in enumerate(dataloader):
        batch_size = imgs.shape[0]
        valid = torch.full((batch_size, 1), 1.0, device=device)
        fake = torch.full((batch_size, 1), 0.0, device=device)
        real_imgs, labels = imgs.to(device), labels.to(device)
        optimizer_G.zero_grad()
        z = torch.randn(batch_size, opt.latent_dim, device=device)
        gen_labels = torch.randint(0, opt.n_classes, (batch_size,), device=device)
        gen_imgs = generator(z, gen_labels)
        g_loss = adversarial_loss(discriminator(gen_imgs, gen_labels), valid)
        g_loss.backward()
        optimizer_G.step()
        optimizer_D.zero_grad()
        d_real_loss = adversarial_loss(discriminator(real_imgs, labels), valid)
        d_fake_loss = adversarial_loss(discriminator(gen_imgs.detach(), gen_labels), fake)
        d_loss = (d_real_loss + d_fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()
        done += 1
        print(f"[Epoch {epoch}/{opt.n_epochs}] [Batch {i}/{len(dataloader)}] [D loss: {d_loss.item():.4f}] "
              f"[G loss: {g_loss.item():.4f}]")
        if done == opt.steps:
            break
    if done == opt.steps:
        break

os.makedirs(opt.out, exist_ok=True)
with torch.no_grad():
    z = torch.randn(100, opt.latent_dim, device=device)
    labels = torch.arange(10).repeat(10)        # each row of the grid: the digits 0..9
    vision.utils.save_image(generator.eval()(z, labels), os.path.join(opt.out, "cgan.png"), nrow=10,
                            normalize=True)
