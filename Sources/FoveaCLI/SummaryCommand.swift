import ArgumentParser
import Foundation
import Fovea

/// `fovea summary`: layers, output shapes and parameter counts of a zoo model.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary", abstract: "Print a model's layers, output shapes and parameters.")

    @Option(help: "Model: \(Models.names.joined(separator: ", ")).") var model = "lenet5"
    @Option(help: "Input shape without the batch axis, e.g. 1,28,28 or 3,32,32.") var inputShape = "1,28,28"
    @Option(help: "Number of classes.") var classes = 10
    @Option(help: "Hidden layer sizes for mlp, comma-separated.") var hidden = "256"
    @Flag(help: "LeNet-5 with sigmoid and average pooling.") var classic = false
    @Option(help: "Also show how `fovea train` normalizes this data set's inputs (fashion-mnist, mnist, cifar10, cifar100).") var data: String?

    func run() throws {
        let dims = inputShape.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) ?? 0 }
        guard !dims.isEmpty, dims.allSatisfy({ $0 > 0 }) else {
            throw FoveaError.invalidArgument("--input-shape '\(inputShape)': expected positive sizes like 1,28,28")
        }
        let hiddenSizes = try ModelSpec.parseHidden(hidden)
        try ModelSpec.checkSize(model: model, inputShape: Shape(dims), classes: classes, hidden: hiddenSizes)
        let network = try Models.make(model, inputShape: Shape(dims), classes: classes, hidden: hiddenSizes, classic: classic)
        print(try network.summary(inputShape: Shape(dims)), terminator: "")
        if let data {
            guard DataSource.builtInNames.contains(data) else {
                throw FoveaError.invalidArgument("--data \(data): use \(DataSource.builtInNames.joined(separator: ", ")) (CSV features are standardized instead)")
            }
            print("\(data) inputs: pixels scaled to [0, 1], then \(ModelSpec.describe(DataSource.standardNormalization(for: data)))")
        }
    }
}
