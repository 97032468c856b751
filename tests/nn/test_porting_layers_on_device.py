"""The porting pieces on the GPU path (the strict CuPy stand-in): padding modes,
Conv2d's padding_mode, bilinear and bicubic Upsample, cat/split and the
DataLoader run a training step that moves nothing to the host and, once the
interpolation matrices are built, nothing to the device either."""
import numpy

from scratchgan import backend, losses, nn, optim, strict_device
from scratchgan.data import DataLoader


class TwoBranches(nn.Module):
    """cat of two paths, split on the way back: every new piece in one module."""

    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.ZeroPad2d((1, 0, 1, 0)), nn.Conv2d(2, 3, 2),
                               nn.Upsample(scale_factor=2, mode="bilinear"))
        self.b = nn.Sequential(nn.ReplicationPad2d(1), nn.CircularPad2d((0, 1, 1, 0)),
                               nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
                               nn.Conv2d(3, 3, 3, padding=1, padding_mode="circular"),
                               nn.ConstantPad2d((1, 0, 0, 1), 0.5), nn.Conv2d(3, 3, 2),
                               nn.Upsample(size=(10, 10), mode="bicubic", align_corners=True))
        self.head = nn.Sequential(nn.Conv2d(6, 1, 3, padding=1, padding_mode="replicate"),
                                  nn.Flatten(), nn.Linear(100, 1), nn.Sigmoid())

    def forward(self, x):
        ha, hb = self.a(x), self.b(x)
        y = self.head(nn.cat((ha, hb), 1))
        return self.remember(y, (ha, hb))

    def backward(self, dy, output=None):
        y, (ha, hb) = self.recall(output)
        dh = self.head.backward(dy, y)
        dha, dhb = nn.split(dh, [3, 3], 1)
        return self.a.backward(dha, ha) + self.b.backward(dhb, hb)


def test_a_training_step_stays_on_the_device(device):
    xp = backend.get_xp()
    net = TwoBranches().to("gpu")
    opt = optim.Adam(net.parameters(), lr=1e-3)
    bce = losses.BCELoss().cuda()
    images = xp.asarray(numpy.random.RandomState(0).standard_normal((12, 2, 5, 5)),
                        dtype=xp.float32)
    loader = DataLoader(images, batch_size=4, shuffle=True)

    def step(x):
        opt.zero_grad()
        y = net(x)
        bce(y, 1.0)
        net.backward(bce.backward(y), y)
        opt.step()

    first = next(iter(loader))
    step(first)                                     # builds the interpolation matrices
    strict_device.reset()
    for x in loader:
        step(x)
    assert device.counts == {"to_host": 0, "to_device": 0, "scalar_reads": 0, "syncs": 0}
