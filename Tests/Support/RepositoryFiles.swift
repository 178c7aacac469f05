import Foundation

/// The repository's root folder (found from this file's location, so tests run from any directory).
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Fisher's Iris data shipped with the project (150 rows, 4 features, 3 species).
public let irisCSV = repositoryRoot.appendingPathComponent("data/iris.csv")
