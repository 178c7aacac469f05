import Fovea
print(Device.default)
