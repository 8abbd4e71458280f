"""Writes the model seeds in Tests/Fuzz/corpus/{safetensors,hdf5,keras,onnx} (run from the repository root).
Needs numpy, h5py, safetensors, keras (TensorFlow backend) and onnx; the image seeds are copies of
Tests/PlatformTests/Fixtures. Keras stamps a date into .keras metadata, so reruns differ byte for byte."""
import os, numpy as np, h5py, zipfile, io, shutil
from safetensors.numpy import save_file
C='Tests/Fuzz/corpus'
r=np.random.default_rng(0)
f32=lambda *s: r.standard_normal(s).astype(np.float32)
# safetensors: torchvision-style names with tiny shapes (no preset matches: exercises header, dtype, offsets, refusal)
save_file({"features.0.weight":f32(2,3,3,3),"features.0.bias":f32(2),"features.2.weight":f32(2,2,3,3),"features.2.bias":f32(2),
           "classifier.0.weight":f32(4,8),"classifier.0.bias":f32(4)}, f"{C}/safetensors/vgg_like.safetensors")
save_file({"features.0.weight":f32(2,3,3,3),"features.0.bias":f32(2),"features.1.weight":f32(2),"features.1.bias":f32(2),
           "features.1.running_mean":f32(2),"features.1.running_var":np.abs(f32(2)),"head.fc.weight":f32(3,2)},
          f"{C}/safetensors/vgg_bn_like.safetensors", metadata={"format":"pt"})
save_file({"x":np.arange(6,dtype=np.float16).reshape(2,3),"y":np.zeros((0,),np.float32)}, f"{C}/safetensors/odd_dtypes.safetensors")
# hdf5: Keras legacy weights layout with tiny shapes
with h5py.File(f"{C}/hdf5/weights_legacy.h5","w") as h:
    h.attrs["layer_names"]=[b"block1_conv1",b"block1_conv2"]; h.attrs["backend"]=b"tensorflow"; h.attrs["keras_version"]=b"2.15.0"
    for n,(ci,co) in {"block1_conv1":(3,2),"block1_conv2":(2,2)}.items():
        g=h.create_group(n); g.attrs["weight_names"]=[f"{n}/kernel:0".encode(),f"{n}/bias:0".encode()]
        g.create_dataset(f"{n}/kernel:0",data=f32(3,3,ci,co)); g.create_dataset(f"{n}/bias:0",data=f32(co))
# Keras 3 .weights.h5 layout taken from a .keras archive
with zipfile.ZipFile("Tests/Models/refuse/resnet_block.keras") as z:
    open(f"{C}/hdf5/keras3.weights.h5","wb").write(z.read("model.weights.h5"))
import keras
m=keras.Sequential([keras.Input((8,8,3)),keras.layers.Conv2D(2,3,activation="relu",name="conv"),keras.layers.MaxPooling2D(),
                    keras.layers.GlobalAveragePooling2D(),keras.layers.Dense(3,activation="softmax",name="out")])
m.save(f"{C}/hdf5/tiny_model.h5")
m.save(f"{C}/keras/tiny_model.keras")
for f in ["lambda.keras","resnet_block.keras"]: shutil.copy(f"Tests/Models/refuse/{f}", f"{C}/keras/{f}")
# onnx
import onnx
from onnx import helper as H, TensorProto as T, numpy_helper as N
W=N.from_array(f32(2,3,3,3),"W"); B=N.from_array(f32(2),"B"); G=N.from_array(f32(2,3),"G"); GB=N.from_array(f32(3),"GB")
nodes=[H.make_node("Conv",["x","W","B"],["c"],kernel_shape=[3,3],pads=[1,1,1,1]),H.make_node("Relu",["c"],["r"]),
       H.make_node("MaxPool",["r"],["p"],kernel_shape=[2,2],strides=[2,2]),H.make_node("GlobalAveragePool",["p"],["g"]),
       H.make_node("Flatten",["g"],["f"]),H.make_node("Gemm",["f","G","GB"],["y0"]),H.make_node("Softmax",["y0"],["y"])]
g=H.make_graph(nodes,"tiny",[H.make_tensor_value_info("x",T.FLOAT,[1,3,8,8])],[H.make_tensor_value_info("y",T.FLOAT,[1,3])],[W,B,G,GB])
mo=H.make_model(g,opset_imports=[H.make_opsetid("",13)]); mo.ir_version=8
onnx.save(mo,f"{C}/onnx/tiny_cnn.onnx")
shutil.copy("Tests/Models/refuse/resnet_block.onnx", f"{C}/onnx/resnet_block.onnx")
