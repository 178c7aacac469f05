// The README's "Using Fovea from your own package" snippets, verbatim (Tests/FoveaTests/ReadmeTests.swift checks
// that they stay so), then a summary and a reload: LeNet-5 trains for a few epochs on random 28x28 images with
// random labels, and a functional model of two inputs and two outputs on random pairs, on the default device
// (FOVEA_DEVICE, else the first OpenCL GPU, else the CPU).
import Foundation
import Fovea

let device = Device.default                      // FOVEA_DEVICE, else the first OpenCL GPU, else the CPU
manualSeed(42)
var generator = SeededGenerator(seed: 7)
let images = (0..<512 * 28 * 28).map { _ in generator.nextUniform() }
let labels = (0..<512).map { _ in Int32(generator.nextInt(below: 10)) }
let data = try InMemoryDataset(features: images, labels: labels, sampleShape: [1, 28, 28])
let (train, validation) = try data.split(validationFraction: 0.25, seed: 1)

let model = try Models.lenet5().to(device)
let trainer = Trainer(model: model, optimizer: Adam(model.parameters, learningRate: 0.001))
let history = try trainer.fit(try DataLoader(train, batchSize: 64, device: device),
                              validation: try DataLoader(validation, batchSize: 128, shuffle: false, device: device), epochs: 3)
for epoch in history { print(epoch.epoch + 1, epoch.trainLoss, epoch.validationAccuracy ?? 0) }
let file = FileManager.default.temporaryDirectory.appendingPathComponent("lenet.safetensors")
try Checkpoint.save(model: model, epoch: history.count - 1, to: file)

let logs = FileManager.default.temporaryDirectory.appendingPathComponent("lenet-tensorboard")
trainer.callbacks.append(TensorBoardCallback(writer: try SummaryWriter(logDirectory: logs), samples: train))
try trainer.fit(try DataLoader(train, batchSize: 64, device: device), epochs: 1)   // then: tensorboard --logdir <logs>
let predictions = try Predictions(model: model, loader: try DataLoader(validation, batchSize: 128, shuffle: false, device: device))
print(ClassificationReport(predictions, classNames: (0..<10).map(String.init)).scoresTable)

let features = Input(shape: [4]), extra = Input(shape: [3])
let shared = Dense(outputs: 8)                                     // one set of weights for both branches
let joined = try concatenate([ReLU()(shared(Dense(outputs: 8)(features))), ReLU()(shared(Dense(outputs: 8)(extra)))])
let twoHeads = try GraphModel(inputs: [features, extra],
                              outputs: [Dense(outputs: 3)(joined, name: "classes"), Dense(outputs: 1)(joined, name: "value")]).to(device)
let a = (0..<256 * 4).map { _ in generator.nextUniform() }, b = (0..<256 * 3).map { _ in generator.nextUniform() }
let pairs = try InMemoryMultiTensorDataset(inputs: [(a, [4]), (b, [3])],
                                           targets: [.classes((0..<256).map { Int32(a[$0 * 4] * 3) }),
                                                     .values((0..<256).map { a[$0 * 4 + 1] + b[$0 * 3] }, shape: [1])])
let twoHeadTrainer = try Trainer(model: twoHeads, optimizer: Adam(twoHeads.parameters, learningRate: 0.01),
                                 losses: [CrossEntropyLoss(), MSELoss()], lossWeights: [1, 0.5])
for epoch in try twoHeadTrainer.fit(try DataLoader(pairs, batchSize: 32, device: device), epochs: 5) {
    print(epoch.trainLoss, epoch.trainOutputs!.map(\.loss), epoch.trainOutputs![0].accuracy!)   // total, each output, accuracy
}

final class Net: Module, UnaryLayer {
    let fc1 = Dense(4, 8)
    let fc2 = Dense(outputs: 3)
    func forward(_ input: Tensor) throws -> Tensor { try fc2(fc1(input).relu()) }
}
let net = try Net().to(device)
print(try net(Tensor.ones([2, 4], device: device)).shape)   // [2, 3]
try Net().loadStateDict(net.stateDict())

let x = try Tensor.normal([8, 3, 32, 32], device: device)
let w = try Tensor.normal([16, 3, 3, 3], device: device)
w.requiresGrad = true
let loss = try x.conv2d(weight: w, padding: 1).relu().maxPool2d(kernel: 2).mean()
try loss.backward()                              // w.grad now holds d loss / d w

let ids = try Tensor(indices: [0, 2, 1], device: device)    // int32
let logits = try Tensor.normal([3, 5], device: device)
logits.requiresGrad = true
let row = try logits[0]                          // [5]; also logits[1..<3], logits[-1], logits[0..., 2], strides
let picked = try logits[ids]                     // rows 0, 2, 1: a gather whose backward scatter-adds
let error = try logits.crossEntropy(targets: ids) // targets must be int32 (a Float32 target is an error)
let pred = try logits.argmax(axis: 1)             // int32; pred.eq(ids) is int32 as well
try (error + row.sum() + picked.sum()).backward()

print(try model.summary(inputShape: [1, 28, 28]), terminator: "")
try Checkpoint.loadModel(try Models.lenet5(), from: file)
print("saved \(file.path) and reloaded it into a new LeNet-5; w.grad has shape \(w.grad!.shape)")
