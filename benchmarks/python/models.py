"""The original FMA-small networks in PyTorch (1.13), written from the project's description of the original
Keras models (see ../../docs and /work/shared/notes/reference.md), layer for layer like MelGenre's TorchSharp
modules so that the train-step and inference timings compare the same computation.

Input: [batch, frames, mels] = [B, 640, 128] time-major log-mel. Output: logits [B, 8].
Parameter counts (asserted by reference.py's callers through parameter_count): CRNN 133,568, parallel CNN-RNN
85,544 (PyTorch's recurrent layers have two bias vectors where Keras has one, and BatchNorm statistics are
buffers, hence not Keras' 133,520 / 85,160).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

CRNN_PARAMETERS = 133_568
PARALLEL_CNN_RNN_PARAMETERS = 85_544


def parameter_count(net):
    return sum(p.numel() for p in net.parameters())


def _glorot_zero(layer):
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)


def _recurrent(layer, units, forget_bias):
    # Keras defaults: glorot_uniform input kernels, orthogonal recurrent kernels, zero biases, LSTM forget bias 1.
    for name, p in layer.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(p)
        elif name.startswith("weight_hh"):
            nn.init.orthogonal_(p)
        else:
            nn.init.zeros_(p)
            if forget_bias and name.startswith("bias_ih"):
                with torch.no_grad():
                    p[units:2 * units].fill_(1.0)


class Crnn(nn.Module):
    """3 x [Conv1d(56, kernel 5, valid; mel bins as channels) -> BatchNorm(eps 1e-3, Keras momentum 0.9) -> ReLU ->
    MaxPool(2) -> Dropout(0.4)] -> LSTM(96), last step -> Dropout(0.4) -> Dense(64, linear) -> Dropout(0.4) ->
    Dense(8). L2 1e-3 on the conv kernels and the dense(64) kernel (l2_penalty, added to the loss)."""

    def __init__(self, mels=128, classes=8, filters=56, kernel=5, layers=3, lstm_units=96, dense_units=64, dropout=0.4, l2=1e-3):
        super().__init__()
        self.dropout = dropout
        self.l2 = l2
        self.conv = nn.ModuleList([nn.Conv1d(mels if i == 0 else filters, filters, kernel) for i in range(layers)])
        self.norm = nn.ModuleList([nn.BatchNorm1d(filters, eps=1e-3, momentum=0.1) for _ in range(layers)])
        self.lstm = nn.LSTM(filters, lstm_units, batch_first=True)
        self.dense = nn.Linear(lstm_units, dense_units)
        self.output = nn.Linear(dense_units, classes)
        for c in self.conv:
            _glorot_zero(c)
        _recurrent(self.lstm, lstm_units, forget_bias=True)
        _glorot_zero(self.dense)
        _glorot_zero(self.output)

    def l2_penalty(self):
        total = sum(c.weight.pow(2).sum() for c in self.conv) + self.dense.weight.pow(2).sum()
        return total * self.l2

    def forward(self, x):
        x = x.transpose(1, 2)  # [B, mels, frames]
        for conv, norm in zip(self.conv, self.norm):
            x = F.dropout(F.max_pool1d(F.relu(norm(conv(x))), 2, 2), self.dropout, self.training)
        x = x.transpose(1, 2)  # [B, steps, filters]
        sequence, _ = self.lstm(x)
        x = F.dropout(sequence[:, -1], self.dropout, self.training)
        x = F.dropout(self.dense(x), self.dropout, self.training)
        return self.output(x)


class ParallelCnnRnn(nn.Module):
    """CNN branch: 5 x [Conv2d(16/32/64/64/64, kernel 3 frames x 1 mel) -> ReLU -> MaxPool (2,2),(2,2),(2,2),(4,4),(4,4)]
    -> flatten (channels last, 256). RNN branch: MaxPool(4,2) of the input -> bidirectional GRU(64), both final
    states (128). Concatenated (384) -> Dense(8)."""

    def __init__(self, classes=8, filters=(16, 32, 64, 64, 64), pools=((2, 2), (2, 2), (2, 2), (4, 4), (4, 4)),
                 rnn_pool=(4, 2), gru_units=64, frames=640, mels=128):
        super().__init__()
        self.pools = pools
        self.rnn_pool = rnn_pool
        self.conv = nn.ModuleList([nn.Conv2d(1 if i == 0 else filters[i - 1], f, (3, 1)) for i, f in enumerate(filters)])
        self.gru = nn.GRU(mels // rnn_pool[1], gru_units, batch_first=True, bidirectional=True)
        h, w = frames, mels
        for ph, pw in pools:
            h, w = (h - 2) // ph, w // pw
        self.output = nn.Linear(filters[-1] * h * w + 2 * gru_units, classes)
        for c in self.conv:
            _glorot_zero(c)
        _recurrent(self.gru, gru_units, forget_bias=False)
        _glorot_zero(self.output)

    def forward(self, x):
        image = x.unsqueeze(1)  # [B, 1, frames, mels]
        y = image
        for conv, pool in zip(self.conv, self.pools):
            y = F.max_pool2d(F.relu(conv(y)), pool, pool)
        cnn = y.permute(0, 2, 3, 1).flatten(1)
        sequence = F.max_pool2d(image, self.rnn_pool, self.rnn_pool).squeeze(1)  # [B, 160, 64]
        _, final = self.gru(sequence)  # [2, B, units]
        rnn = torch.cat([final[0], final[1]], 1)
        return self.output(torch.cat([cnn, rnn], 1))


def check_parameter_counts():
    counts = {"crnn": parameter_count(Crnn()), "pcrnn": parameter_count(ParallelCnnRnn())}
    expected = {"crnn": CRNN_PARAMETERS, "pcrnn": PARALLEL_CNN_RNN_PARAMETERS}
    if counts != expected:
        raise SystemExit(f"PyTorch reference networks have {counts} parameters, MelGenre's have {expected}")
    return counts


if __name__ == "__main__":
    print(check_parameter_counts())
