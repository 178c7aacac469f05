"""Writes tensorboard_events.bin: event records as TensorBoard itself writes them (tensorboard 2.21's protos and
RecordWriter), with fixed wall times, for SummaryWriterTests to compare Fovea's encoder against byte for byte.

    pip install tensorboard && python3 make_tensorboard_fixture.py
"""
import os

from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.summary.writer.record_writer import RecordWriter

events = [
    Event(wall_time=1700000000.25, file_version="brain.Event:2"),
    Event(wall_time=1700000001.5, step=3, summary=Summary(value=[Summary.Value(tag="train/loss", simple_value=0.25)])),
    Event(wall_time=1700000002.0, step=300, summary=Summary(value=[Summary.Value(
        tag="weights/fc1.weight",
        histo=HistogramProto(min=-1.0, max=2.0, num=4, sum=1.5, sum_squares=5.25,
                             bucket_limit=[0.0, 1.0, 2.0], bucket=[1.0, 2.0, 1.0]))])),
    Event(wall_time=1700000003.0, step=2, summary=Summary(value=[Summary.Value(
        tag="inputs", image=Summary.Image(height=28, width=56, colorspace=1, encoded_image_string=bytes(range(16))))])),
    Event(wall_time=1700000004.0, summary=Summary(value=[Summary.Value(
        tag="configuration/text_summary",
        metadata=SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text")),
        tensor=TensorProto(dtype=7, tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
                           string_val=["| key | value |".encode()]))])),
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tensorboard_events.bin")
with open(path, "wb") as file:
    writer = RecordWriter(file)
    for event in events:
        writer.write(event.SerializeToString())
    writer.flush()
print(path)
