"""Writes recurrent.safetensors, read by RecurrentParityTests: PyTorch's RNN, LSTM, GRU, their cells and an Embedding
with padding, each with its weights, inputs, outputs, final states and gradients (needs torch and safetensors).

For each case NAME: NAME/param/<state-dict name>, NAME/input (and NAME/h0, NAME/c0 when given), NAME/output,
NAME/h_n, NAME/c_n, the seeds NAME/seed_output, NAME/seed_h_n, NAME/seed_c_n of the scalar
sum(output * seed_output) + sum(h_n * seed_h_n) + sum(c_n * seed_c_n), and its gradients NAME/grad_input and
NAME/grad/<state-dict name>. A case of padded sequences also has NAME/lengths (Int32 [batch]): it runs
pack_padded_sequence(input, lengths, enforce_sorted=False), the network, and pad_packed_sequence back to the input's
length (zeros past each sequence's end). Run from this directory: python3 make_recurrent_fixture.py
"""
import torch
from safetensors.torch import save_file

torch.manual_seed(0)
tensors = {}


def record(name, module, inputs, outputs):
    """Stores module's parameters, the inputs, the outputs and the gradients of a seeded scalar of the outputs."""
    for key, value in module.state_dict().items():
        tensors[f"{name}/param/{key}"] = value.clone()
    for key, value in inputs.items():
        tensors[f"{name}/{key}"] = value.detach().contiguous().clone()
    loss = 0
    for key, value in outputs.items():
        seed = torch.randn(value.shape)
        tensors[f"{name}/{key}"] = value.detach().contiguous().clone()
        tensors[f"{name}/seed_{key}"] = seed
        loss = loss + (value * seed).sum()
    loss.backward()
    if inputs["input"].dtype == torch.float32:
        tensors[f"{name}/grad_input"] = inputs["input"].grad.clone()
    for key, value in module.named_parameters():
        tensors[f"{name}/grad/{key}"] = value.grad.clone()


def network(name, cls, shape, with_state, lengths=None, **options):
    module = cls(3, 4, **options)
    x = torch.randn(shape, requires_grad=True)
    states = module.num_layers * (2 if module.bidirectional else 1)
    batch = [] if len(shape) == 2 else [shape[0] if module.batch_first else shape[1]]
    inputs = {"input": x}
    if with_state:
        inputs["h0"] = torch.randn([states] + batch + [4])
        if cls is torch.nn.LSTM:
            inputs["c0"] = torch.randn([states] + batch + [4])
    start = None
    if with_state:
        start = (inputs["h0"], inputs["c0"]) if cls is torch.nn.LSTM else inputs["h0"]
    if lengths is None:
        output, state = module(x, start)
    else:
        inputs["lengths"] = torch.tensor(lengths, dtype=torch.int32)
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=module.batch_first,
                                                         enforce_sorted=False)
        output, state = module(packed, start)
        steps = shape[1] if module.batch_first else shape[0]
        output, _ = torch.nn.utils.rnn.pad_packed_sequence(output, batch_first=module.batch_first, total_length=steps)
    outputs = {"output": output}
    if cls is torch.nn.LSTM:
        outputs["h_n"], outputs["c_n"] = state
    else:
        outputs["h_n"] = state
    record(name, module, inputs, outputs)


network("lstm", torch.nn.LSTM, [5, 2, 3], True)
network("lstm_bi2_batch_first", torch.nn.LSTM, [2, 5, 3], False, num_layers=2, bidirectional=True, batch_first=True)
network("lstm_unbatched", torch.nn.LSTM, [4, 3], True)
network("gru", torch.nn.GRU, [1, 1, 3], False)
network("gru_bi2_batch_first", torch.nn.GRU, [3, 4, 3], True, num_layers=2, bidirectional=True, batch_first=True)
network("rnn_tanh_2", torch.nn.RNN, [4, 2, 3], True, num_layers=2)
network("rnn_relu_bi_nobias", torch.nn.RNN, [4, 3, 3], False, nonlinearity="relu", bidirectional=True, bias=False)

for name, cls in [("lstm_cell", torch.nn.LSTMCell), ("gru_cell", torch.nn.GRUCell), ("rnn_cell", torch.nn.RNNCell)]:
    cell = cls(3, 4)
    x = torch.randn(2, 3, requires_grad=True)
    inputs = {"input": x, "h0": torch.randn(2, 4)}
    if cls is torch.nn.LSTMCell:
        inputs["c0"] = torch.randn(2, 4)
        h, c = cell(x, (inputs["h0"], inputs["c0"]))
        record(name, cell, inputs, {"h_n": h, "c_n": c})
    else:
        record(name, cell, inputs, {"h_n": cell(x, inputs["h0"])})

embedding = torch.nn.Embedding(6, 3, padding_idx=1)
with torch.no_grad():
    embedding.weight[1] = torch.tensor([0.5, -0.25, 2.0])  # a loaded padding row is still read, and still not trained
ids = torch.tensor([[1, 0, 5], [2, 1, 1]], dtype=torch.int32)
record("embedding", embedding, {"input": ids}, {"output": embedding(ids)})

# Padded sequences with their lengths (after the cases above, so their values stay as they were).
network("lstm_packed_bi2_batch_first", torch.nn.LSTM, [3, 5, 3], True, lengths=[2, 5, 1], num_layers=2, bidirectional=True,
        batch_first=True)
network("gru_packed_bi", torch.nn.GRU, [4, 3, 3], False, lengths=[4, 1, 3], bidirectional=True)
network("rnn_tanh_packed_2", torch.nn.RNN, [5, 2, 3], True, lengths=[3, 5], num_layers=2)

save_file(tensors, "recurrent.safetensors", metadata={"torch": torch.__version__})
