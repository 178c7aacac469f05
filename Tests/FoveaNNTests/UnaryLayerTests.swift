import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// A two-tower module with its own signature (two tensors in, two out), plus the array form `Trainer` calls.
final class TwoTower: Module, MultiTensorLayer {
    let left = Dense(3, 2)
    let right = Dense(4, 2)

    func callAsFunction(_ a: Tensor, _ b: Tensor) throws -> (left: Tensor, right: Tensor) {
        (try left(a), try right(b).tanh())
    }

    func callAsFunction(_ inputs: [Tensor]) throws -> [Tensor] {
        let (a, b) = try self(inputs[0], inputs[1])
        return [a, b]
    }
}

/// A module holding a non-unary one.
final class Holder: Module {
    let tower = TwoTower()
}

/// Modules of their own signatures next to `UnaryLayer`.
///
/// What the compiler checks cannot be a test that runs: `Sequential { TwoTower() }`, `Sequential([TwoTower()])`,
/// `sequential.add(TwoTower())` and `TwoTower().summary(inputShape:)` do not compile (Sequential and its builder take
/// `any UnaryLayer`, which TwoTower is not), nor does `Module()(x)`, since a `Module` has no one-tensor call. The tests
/// below check what holds at run time.
@Suite struct UnaryLayerTests {
    @Test(arguments: testDevices)
    func aModuleOfItsOwnSignatureHasParametersStateAndRuns(device: Device) throws {
        let tower = try TwoTower().to(device)
        #expect(!((tower as Module) is any UnaryLayer))
        #expect(tower.namedParameters.map(\.0) == ["left.weight", "left.bias", "right.weight", "right.bias"])
        let a = try testTensor([5, 3], device: device, seed: 1), b = try testTensor([5, 4], device: device, seed: 2)
        let (x, y) = try tower(a, b)
        #expect(x.shape == [5, 2] && y.shape == [5, 2])
        #expect(try tower([a, b]).map { try $0.toArray() } == [try x.toArray(), try y.toArray()])
        let copy = TwoTower()
        try copy.loadStateDict(tower.stateDict())
        try copy.to(device)
        #expect(try copy(a, b).right.toArray() == (try y.toArray()))
    }

    @Test func hooksWatchTheUnaryLayersInsideAndNameAModuleThatIsNot() throws {
        let holder = Holder()
        var seen: [Shape] = []
        let hook = try holder.unaryLayer(named: "tower.left").registerForwardHook { _, input, _ in
            seen.append(input.shape)
            return nil
        }
        _ = try holder.tower(Tensor.zeros([2, 3]), Tensor.zeros([2, 4]))
        #expect(seen == [[2, 3]])
        hook.remove()
        let error = #expect(throws: FoveaError.self) { try holder.unaryLayer(named: "tower") }
        #expect("\(error!)".contains("module 'tower' (TwoTower) is not a one-tensor layer"), "\(error!)")
    }

    /// A `GraphModel` is a `UnaryLayer` whatever its inputs, so one of two inputs fits a Sequential's type; running it
    /// there throws and says how to call it.
    @Test func aGraphModelOfTwoInputsInASequentialThrowsWhenRun() throws {
        let x = Input(shape: [2]), y = Input(shape: [2])
        let model = try GraphModel(inputs: [x, y], outputs: [add([x, y])])
        let chain = Sequential {
            model; ReLU()
        }
        let error = #expect(throws: FoveaError.self) { try chain(Tensor.zeros([1, 2])) }
        #expect("\(error!)".contains("needs one input and one output, the model has 2 and 1; call it with an array"), "\(error!)")
    }
}
