import FoveaCore
