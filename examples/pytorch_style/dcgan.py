"""The course report's DCGAN (section 2), in its PyTorch script's style: weights_init through
``.data`` and ``Module.apply``, the device line, a checkpoint dict and make_grid."""
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
parser.add_argument("--epochs", type=int, default=100)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--out", default="out_dcgan")
args = parser.parse_args()

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
nz = 100
transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
dataset = vision.datasets.MNIST(root=os.environ.get("MINIGAN_DATA_DIR", "data"), train=True,
                                download=False, transform=transform)
loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, num_workers=2)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, 256, 7, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),
            nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
            nn.ConvTranspose2d(128, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(), nn.Linear(6272, 1), nn.Sigmoid())

    def forward(self, x):
        return self.main(x)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


netG = Generator().to(device)
netD = Discriminator().to(device)
netG.apply(weights_init)
netD.apply(weights_init)
print(netG)
print(netD)

criterion = nn.BCELoss()
fixed_noise = torch.randn(64, nz, 1, 1, device=device)
real_label, fake_label = 1.0, 0.0
optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

iters = 0
for epoch in range(args.epochs):
    for i, data in enumerate(loader, 0):
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        real_cpu = data[0].to(device)
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.randn(b_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optimizerD.step()
        # (2) Update G: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()
        iters += 1
        if i % 50 == 0 or iters == args.steps:
            print(f"[{epoch}/{args.epochs}][{i}/{len(loader)}]\tLoss_D: {errD.item():.4f}\t"
                  f"Loss_G: {errG.item():.4f}\tD(x): {D_x:.4f}")
        if iters == args.steps:
            break
    if iters == args.steps:
        break

os.makedirs(args.out, exist_ok=True)
with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
grid = vision.utils.make_grid(fake, padding=2, normalize=True)
vision.utils.save_image(grid, os.path.join(args.out, "fake.png"))
torch.save({"epoch": epoch, "netG": netG.state_dict(), "netD": netD.state_dict(),
            "optimizerG": optimizerG.state_dict(), "optimizerD": optimizerD.state_dict()},
           os.path.join(args.out, "checkpoint.pth"))
