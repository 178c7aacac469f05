// The code blocks of the DocC articles in Sources/Fovea/Fovea.docc, verbatim (Tests/FoveaTests/DocumentationTests.swift
// checks that they stay so), so that building this package compiles them. Each article's later blocks run in a
// scope of their own (`do { }`), unindented to stay verbatim, with a line that uses what they make.
// The getting-started program is LeNetRandom's.
import Fovea

let model = try Models.lenet5().to(Device.default)
let trainer = Trainer(model: model, optimizer: Adam(model.parameters, learningRate: 0.001))

final class Net: Module, UnaryLayer {
    let conv1 = Conv2D(1, 6, kernelSize: 5, padding: 2)
    let bn1 = BatchNorm2D(6)
    let fc1 = Dense(6 * 14 * 14, 10)

    func forward(_ input: Tensor) throws -> Tensor {
        let x = try bn1(conv1(input)).relu().maxPool2d(kernel: 2)
        return try fc1(x.flattened(startAxis: 1))
    }
}

do {
let model = try Net().to(.cpu)
try model.to(.cpu).eval()
try Net().loadStateDict(model.stateDict())
}

final class TwoTower: Module, MultiTensorLayer {
    let query = Dense(outputs: 8)
    let item = Dense(outputs: 8)

    func callAsFunction(_ a: Tensor, _ b: Tensor) throws -> (query: Tensor, item: Tensor) {
        (try query(a).relu(), try item(b).relu())
    }

    func callAsFunction(_ inputs: [Tensor]) throws -> [Tensor] {
        let (query, item) = try self(inputs[0], inputs[1])
        return [query, item]
    }
}

do {
let towers = TwoTower()
let (query, item) = try towers(Tensor.ones([2, 4]), Tensor.ones([2, 6]))   // [2, 8] each
print("two towers:", query.shape, item.shape, towers.namedParameters.map(\.0))
}

do {
let model = Sequential {
    Conv2D(outputs: 16, kernelSize: 3, padding: 1)
    ReLU()
    GlobalAvgPool2D()
    Dense(outputs: 10)
}
model.insert(Dropout(p: 0.2), at: 3)
model[4] = Dense(outputs: 5)
model.remove(at: 3)
print("Sequential:", model.layers.map(\.typeName))
}

do {
let optimizer = SGD(model.parameters, learningRate: 0.1, momentum: 0.9)
let schedule = WarmupLR(optimizer, steps: 2, then: CosineAnnealingLR(optimizer, period: 8))
let trainer = Trainer(model: model, optimizer: optimizer, callbacks: [SchedulerCallback(schedule)])
print("epochs so far:", trainer.history.count)
}

do {
let device = Device.default
let x = try Tensor.normal([8, 3, 32, 32], device: device)
let model = try Models.lenet5(inputShape: [3, 32, 32]).to(device)
print("on \(device):", x.shape, model.parameterCount)
}

print("LeNet-5 on \(Device.default): \(model.parameterCount) parameters, trainer at step \(trainer.step)")
