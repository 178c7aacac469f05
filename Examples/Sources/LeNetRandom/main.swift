// Trains LeNet-5 for a few epochs on random 28x28 images with random labels, on the default device
// (FOVEA_DEVICE, else the first OpenCL GPU, else the CPU), then saves and reloads the weights.
import Foundation
import Fovea

let device = Device.default
manualSeed(42)
var generator = SeededGenerator(seed: 7)
let images = (0..<512 * 28 * 28).map { _ in generator.nextUniform() }
let labels = (0..<512).map { _ in Int32(generator.nextInt(below: 10)) }
let data = try InMemoryDataset(features: images, labels: labels, sampleShape: [1, 28, 28])
let (train, validation) = try data.split(validationFraction: 0.25, seed: 1)

let model = try Models.lenet5()
try model.to(device)
print(try model.summary(inputShape: [1, 28, 28]), terminator: "")
let trainer = Trainer(model: model, optimizer: Adam(model.parameters, learningRate: 0.001))
let history = try trainer.fit(try DataLoader(train, batchSize: 64, device: device),
                              validation: try DataLoader(validation, batchSize: 128, shuffle: false, device: device), epochs: 3)
for epoch in history {
    print(String(format: "epoch %d on %@: loss %.4f, accuracy %.1f%%, validation accuracy %.1f%%",
                 epoch.epoch + 1, device.description, epoch.trainLoss, 100 * epoch.trainAccuracy, 100 * (epoch.validationAccuracy ?? 0)))
}
let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lenet-random.safetensors")
try Checkpoint.save(model: model, epoch: history.count - 1, to: file)
try Checkpoint.loadModel(try Models.lenet5(), from: file)
print("saved and reloaded \(file.path)")
