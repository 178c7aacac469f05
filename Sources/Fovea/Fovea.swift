@_exported import FoveaCore
@_exported import FoveaNN
@_exported import FoveaData
