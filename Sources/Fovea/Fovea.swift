@_exported import FoveaCore
@_exported import FoveaData
@_exported import FoveaNN
