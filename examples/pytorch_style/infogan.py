"""InfoGAN (Chen et al., 2016) in the style of the usual public script: a categorical code
(one_hot) and continuous codes, recovered by an auxiliary head (CrossEntropyLoss + MSELoss)."""
import argparse
import itertools
import os

import minigan as torch
import minigan.nn.functional as F
import minigan.nn as nn
import minigan.optim as optim
from minigan import vision
from minigan.utils.data import DataLoader
from minigan.vision import transforms

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=int(os.environ.get("STEPS", 0)) or None)
parser.add_argument("--n_epochs", type=int, default=200)
parser.add_argument("--batch_size", type=int, default=64)
parser.add_argument("--latent_dim", type=int, default=62)
parser.add_argument("--code_dim", type=int, default=2)
parser.add_argument("--n_classes", type=int, default=10)
parser.add_argument("--out", default="out_infogan")
opt = parser.parse_args()
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight.data, 1.0, 0.02)
        torch.nn.init.constant_(m.bias.data, 0.0)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        input_dim = opt.latent_dim + opt.n_classes + opt.code_dim
        self.l1 = nn.Sequential(nn.Linear(input_dim, 128 * 7 * 7))
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(128), nn.Upsample(scale_factor=2), nn.Conv2d(128, 64, 3, stride=1, padding=1),
            nn.BatchNorm2d(64, 0.8), nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2), nn.Conv2d(64, 1, 3, stride=1, padding=1), nn.Tanh())

    def forward(self, noise, labels, code):
        out = self.l1(torch.cat((noise, labels, code), -1))
        return self.conv_blocks(out.view(out.shape[0], 128, 7, 7))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_blocks = nn.Sequential(
            nn.Conv2d(1, 32, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True), nn.Dropout2d(0.25),
            nn.Conv2d(32, 64, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True), nn.Dropout2d(0.25),
            nn.BatchNorm2d(64, 0.8))
        self.adv_layer = nn.Sequential(nn.Linear(64 * 7 * 7, 1))
        self.aux_layer = nn.Sequential(nn.Linear(64 * 7 * 7, opt.n_classes))
        self.latent_layer = nn.Sequential(nn.Linear(64 * 7 * 7, opt.code_dim))

    def forward(self, img):
        out = self.conv_blocks(img)
        out = out.view(out.shape[0], -1)
        return self.adv_layer(out), self.aux_layer(out), self.latent_layer(out)


adversarial_loss = nn.MSELoss()
categorical_loss = nn.CrossEntropyLoss()
continuous_loss = nn.MSELoss()
lambda_cat, lambda_con = 1, 0.1
generator, discriminator = Generator().to(device), Discriminator().to(device)
generator.apply(weights_init_normal)
discriminator.apply(weights_init_normal)
dataloader = DataLoader(
    vision.datasets.MNIST(os.environ.get("MINIGAN_DATA_DIR", "data"), train=True, download=False,
                          transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])),
    batch_size=opt.batch_size, shuffle=True)
optimizer_G = optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_D = optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizer_info = optim.Adam(itertools.chain(generator.parameters(), discriminator.parameters()),
                            lr=0.0002, betas=(0.5, 0.999))

done = 0
for epoch in range(opt.n_epochs):
    for i, (imgs, labels) in enumerate(dataloader):
        batch_size = imgs.shape[0]
        valid = torch.ones(batch_size, 1, device=device)
        fake = torch.zeros(batch_size, 1, device=device)
        real_imgs = imgs.to(device)
        # generator
        optimizer_G.zero_grad()
        z = torch.randn(batch_size, opt.latent_dim, device=device)
        label_input = F.one_hot(torch.randint(0, opt.n_classes, (batch_size,)), opt.n_classes).float()
        code_input = torch.rand(batch_size, opt.code_dim, device=device) * 2 - 1
        gen_imgs = generator(z, label_input, code_input)
        validity, _, _ = discriminator(gen_imgs)
        g_loss = adversarial_loss(validity, valid)
        g_loss.backward()
        optimizer_G.step()
        # discriminator
        optimizer_D.zero_grad()
        real_pred, _, _ = discriminator(real_imgs)
        fake_pred, _, _ = discriminator(gen_imgs.detach())
        d_loss = (adversarial_loss(real_pred, valid) + adversarial_loss(fake_pred, fake)) / 2
        d_loss.backward()
        optimizer_D.step()
        # information loss
        optimizer_info.zero_grad()
        sampled_labels = torch.randint(0, opt.n_classes, (batch_size,))
        gt_labels = sampled_labels.long()
        z = torch.randn(batch_size, opt.latent_dim, device=device)
        label_input = F.one_hot(sampled_labels, opt.n_classes).float()
        code_input = torch.rand(batch_size, opt.code_dim, device=device) * 2 - 1
        gen_imgs = generator(z, label_input, code_input)
        _, pred_label, pred_code = discriminator(gen_imgs)
        info_loss = lambda_cat * categorical_loss(pred_label, gt_labels) + lambda_con * continuous_loss(
            pred_code, code_input)
        info_loss.backward()
        optimizer_info.step()
        done += 1
        print(f"[Epoch {epoch}/{opt.n_epochs}] [Batch {i}/{len(dataloader)}] [D loss: {d_loss.item():.4f}] "
              f"[G loss: {g_loss.item():.4f}] [info loss: {info_loss.item():.4f}]")
        if done == opt.steps:
            break
    if done == opt.steps:
        break
os.makedirs(opt.out, exist_ok=True)
vision.utils.save_image(gen_imgs.data[:25], os.path.join(opt.out, "infogan.png"), nrow=5, normalize=True)
