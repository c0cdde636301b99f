"""The course report's MLP GAN (section 1), written as its PyTorch script is: only the imports differ."""
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
parser.add_argument("--out", default="out_mlp_gan")
args = parser.parse_args()

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
nz, batch_size = 100, 64
transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
dataset = vision.datasets.MNIST(root=os.environ.get("MINIGAN_DATA_DIR", "data"), train=True,
                                download=False, transform=transform)
loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)

G = nn.Sequential(nn.Linear(nz, 128), nn.LeakyReLU(0.2), nn.Linear(128, 256), nn.LeakyReLU(0.2),
                  nn.Linear(256, 784), nn.Tanh()).to(device)
D = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 128), nn.LeakyReLU(0.2),
                  nn.Linear(128, 1), nn.Sigmoid()).to(device)
print(G)
print(D)
criterion = nn.BCELoss()
optG = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
optD = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
fixed_z = torch.randn(64, nz, device=device)

step = 0
for epoch in range(args.epochs):
    for real, _ in loader:
        real = real.view(batch_size, -1).to(device)
        ones = torch.ones(batch_size, 1, device=device)
        zeros = torch.zeros(batch_size, 1, device=device)
        # D: maximise log D(x) + log(1 - D(G(z)))
        optD.zero_grad()
        fake = G(torch.randn(batch_size, nz, device=device))
        lossD = criterion(D(real), ones) + criterion(D(fake.detach()), zeros)
        lossD.backward()
        optD.step()
        # G: maximise log D(G(z))
        optG.zero_grad()
        lossG = criterion(D(fake), ones)
        lossG.backward()
        optG.step()
        step += 1
        if step % 100 == 0 or step == args.steps:
            print(f"epoch {epoch} step {step} loss_D {lossD.item():.4f} loss_G {lossG.item():.4f}")
        if step == args.steps:
            break
    if step == args.steps:
        break

os.makedirs(args.out, exist_ok=True)
with torch.no_grad():
    vision.utils.save_image(G(fixed_z).view(-1, 1, 28, 28), os.path.join(args.out, "samples.png"),
                            nrow=8, normalize=True, value_range=(-1, 1))
torch.save({"epoch": epoch, "G": G.state_dict(), "D": D.state_dict(), "optG": optG.state_dict(),
            "optD": optD.state_dict()}, os.path.join(args.out, "checkpoint.pth"))
