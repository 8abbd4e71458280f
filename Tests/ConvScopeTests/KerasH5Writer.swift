import CHDF5
import ConvEngine
import Foundation

/// Writes a model's weights the way Keras 2 wrote `vgg16_weights_tf_dim_ordering_tf_kernels.h5`: a root `layer_names`
/// attribute, one group per layer with a `weight_names` attribute naming its datasets (`block1_conv1_W_1:0`, `…_b_1:0`),
/// kernels HWIO (kh, kw, in, out) and dense kernels (in, out).
enum KerasH5Writer {
    static func write(_ m: Model, to path: String) {
        let f = H5Fcreate(path, UInt32(2) /* H5F_ACC_TRUNC */, convscope_h5p_default(), convscope_h5p_default())
        precondition(f >= 0)
        defer { H5Fclose(f) }
        var layers: [(String, [(String, [Int], [Float])])] = []
        for layer in m.layers {
            let name = layer.name
            switch layer.kind {
            case .conv2D(let c):
                layers.append(
                    (
                        name,
                        [
                            ("\(name)_W_1:0", [c.kernelHeight, c.kernelWidth, c.inChannels, c.outChannels], c.kernel),
                            ("\(name)_b_1:0", [c.outChannels], c.bias!),
                        ]
                    ))
            case .dense(let d):
                layers.append(
                    (
                        name,
                        [("\(name)_W_1:0", [d.inputs, d.outputs], d.kernel), ("\(name)_b_1:0", [d.outputs], d.bias!)]
                    ))
            default:
                continue
            }
        }
        strings(f, "layer_names", ["input_1"] + layers.map(\.0))
        for (name, tensors) in layers {
            let g = H5Gcreate2(f, name, convscope_h5p_default(), convscope_h5p_default(), convscope_h5p_default())
            strings(g, "weight_names", tensors.map(\.0))
            for (tname, shape, values) in tensors {
                let dims = shape.map { hsize_t($0) }
                let space = H5Screate_simple(Int32(dims.count), dims, nil)
                let d = H5Dcreate2(
                    g, tname, convscope_h5t_native_float(), space, convscope_h5p_default(), convscope_h5p_default(),
                    convscope_h5p_default())
                _ = values.withUnsafeBytes {
                    H5Dwrite(
                        d, convscope_h5t_native_float(), convscope_h5s_all(), convscope_h5s_all(),
                        convscope_h5p_default(), $0.baseAddress)
                }
                H5Dclose(d)
                H5Sclose(space)
            }
            H5Gclose(g)
        }
    }

    /// A fixed-length string array attribute, as numpy's 'S' arrays are stored.
    static func strings(_ loc: hid_t, _ name: String, _ values: [String]) {
        let size = max(1, values.map(\.utf8.count).max() ?? 1)
        var buf = [UInt8](repeating: 0, count: size * values.count)
        for (i, v) in values.enumerated() { for (j, b) in v.utf8.enumerated() { buf[i * size + j] = b } }
        let type = H5Tcopy(convscope_h5t_c_s1())
        H5Tset_size(type, size)
        var dims = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        let a = H5Acreate2(loc, name, type, space, convscope_h5p_default(), convscope_h5p_default())
        H5Awrite(a, type, buf)
        H5Aclose(a)
        H5Sclose(space)
        H5Tclose(type)
    }
}
