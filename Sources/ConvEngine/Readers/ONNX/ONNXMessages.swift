import Foundation

// The parts of onnx.proto (ONNX IR version 3 and later) that ConvScope reads, with their field numbers; every other
// field is skipped. Names follow swift-protobuf's generated code for onnx.proto.

/// ModelProto: opset_import = 8, graph = 7.
struct Onnx_ModelProto {
    var opsetImport: [Onnx_OperatorSetIdProto] = []
    var graph = Onnx_GraphProto()
    var hasGraph = false

    /// Parses a whole ONNX file's bytes (a mapped file: tensors' raw data stay slices of it).
    init(serializedBytes data: Data) throws {
        try data.withUnsafeBytes { buffer in
            var r = ProtobufReader(bytes: buffer, data: data)
            while !r.atEnd {
                let (n, t) = try r.field()
                switch (n, t) {
                case (8, .lengthDelimited):
                    var m = try r.message()
                    opsetImport.append(try .init(&m))
                case (7, .lengthDelimited):
                    var m = try r.message()
                    graph = try .init(&m)
                    hasGraph = true
                default: try r.skip(t)
                }
            }
        }
    }
}

/// OperatorSetIdProto: domain = 1, version = 2.
struct Onnx_OperatorSetIdProto {
    var domain = "", version: Int64 = 0
    init(_ r: inout ProtobufReader) throws {
        while !r.atEnd {
            let (n, t) = try r.field()
            switch (n, t) {
            case (1, .lengthDelimited): domain = try r.string()
            case (2, .varint): version = try r.int64()
            default: try r.skip(t)
            }
        }
    }
}

/// GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
struct Onnx_GraphProto {
    var name = ""
    var node: [Onnx_NodeProto] = [], initializer: [Onnx_TensorProto] = []
    var input: [Onnx_ValueInfoProto] = [], output: [Onnx_ValueInfoProto] = []
    init() {}
    init(_ r: inout ProtobufReader) throws {
        while !r.atEnd {
            let (n, t) = try r.field()
            if n == 2, t == .lengthDelimited {
                name = try r.string()
                continue
            }
            guard t == .lengthDelimited, [1, 5, 11, 12].contains(n) else {
                try r.skip(t)
                continue
            }
            var m = try r.message()
            switch n {
            case 1: node.append(try .init(&m))
            case 5: initializer.append(try .init(&m))
            case 11: input.append(try .init(&m))
            default: output.append(try .init(&m))
            }
        }
    }
}

/// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
struct Onnx_NodeProto {
    var input: [String] = [], output: [String] = [], name = "", opType = "", domain = ""
    var attribute: [Onnx_AttributeProto] = []
    init(_ r: inout ProtobufReader) throws {
        while !r.atEnd {
            let (n, t) = try r.field()
            switch (n, t) {
            case (1, .lengthDelimited): input.append(try r.string())
            case (2, .lengthDelimited): output.append(try r.string())
            case (3, .lengthDelimited): name = try r.string()
            case (4, .lengthDelimited): opType = try r.string()
            case (5, .lengthDelimited):
                var m = try r.message()
                attribute.append(try .init(&m))
            case (7, .lengthDelimited): domain = try r.string()
            default: try r.skip(t)
            }
        }
    }
}

/// AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8 (graphs and the rest skipped).
struct Onnx_AttributeProto {
    var name = "", f: Float = 0, i: Int64 = 0, s = Data(), floats: [Float] = [], ints: [Int64] = []
    var t = Onnx_TensorProto(), hasT = false
    init(_ r: inout ProtobufReader) throws {
        while !r.atEnd {
            let (n, wire) = try r.field()
            switch (n, wire) {
            case (1, .lengthDelimited): name = try r.string()
            case (2, .fixed32): f = Float(bitPattern: try r.fixed32())
            case (3, .varint): i = try r.int64()
            case (4, .lengthDelimited): s = try r.bytesField()
            case (5, .lengthDelimited):
                var m = try r.message()
                t = try .init(&m)
                hasT = true
            case (7, .fixed32), (7, .lengthDelimited): try r.floats(wire, into: &floats)
            case (8, .varint), (8, .lengthDelimited): try r.varints(wire, into: &ints)
            default: try r.skip(wire)
            }
        }
    }
}

/// TensorProto: dims = 1, data_type = 2, float_data = 4, int32_data = 5, int64_data = 7, name = 8, raw_data = 9,
/// double_data = 10, external_data = 13, data_location = 14.
struct Onnx_TensorProto {
    enum DataType: Int {
        case undefined = 0
        case float, uint8, int8, uint16, int16, int32, int64, string, bool, float16, double
    }
    enum DataLocation: Int {
        case `default` = 0
        case external
    }

    var dims: [Int64] = [], dataType: Int32 = 0, name = ""
    var floatData: [Float] = [], int32Data: [Int64] = [], int64Data: [Int64] = [], doubleData: [Double] = []
    var rawData = Data(), hasRawData = false
    var externalData: [Onnx_StringStringEntryProto] = []
    var dataLocation = DataLocation.default

    init() {}
    init(_ r: inout ProtobufReader) throws {
        while !r.atEnd {
            let (n, t) = try r.field()
            switch (n, t) {
            case (1, .varint), (1, .lengthDelimited): try r.varints(t, into: &dims)
            case (2, .varint): dataType = try r.int32()
            case (4, .fixed32), (4, .lengthDelimited): try r.floats(t, into: &floatData)
            case (5, .varint), (5, .lengthDelimited): try r.varints(t, into: &int32Data)
            case (7, .varint), (7, .lengthDelimited): try r.varints(t, into: &int64Data)
            case (8, .lengthDelimited): name = try r.string()
            case (9, .lengthDelimited):
                rawData = try r.bytesField()
                hasRawData = true
            case (10, .fixed64), (10, .lengthDelimited): try r.doubles(t, into: &doubleData)
            case (13, .lengthDelimited):
                var m = try r.message()
                externalData.append(try .init(&m))
            case (14, .varint): dataLocation = try r.int32() == 1 ? .external : .default
            default: try r.skip(t)
            }
        }
    }
}

/// StringStringEntryProto: key = 1, value = 2.
struct Onnx_StringStringEntryProto {
    var key = "", value = ""
    init(_ r: inout ProtobufReader) throws {
        while !r.atEnd {
            let (n, t) = try r.field()
            switch (n, t) {
            case (1, .lengthDelimited): key = try r.string()
            case (2, .lengthDelimited): value = try r.string()
            default: try r.skip(t)
            }
        }
    }
}

/// ValueInfoProto: name = 1, type = 2; TypeProto: tensor_type = 1; TypeProto.Tensor: elem_type = 1, shape = 2;
/// TensorShapeProto: dim = 1; Dimension: dim_value = 1, dim_param = 2.
struct Onnx_ValueInfoProto {
    struct TypeProto { var tensorType = TensorType() }
    struct TensorType {
        var elemType: Int32 = 0
        var shape = Shape()
    }
    struct Shape { var dim: [Dimension] = [] }
    struct Dimension {
        enum OneOf_Value {
            case dimValue(Int64)
            case dimParam(String)
        }
        var value: OneOf_Value?
    }

    var name = "", type = TypeProto()

    init(_ r: inout ProtobufReader) throws {
        while !r.atEnd {
            let (n, t) = try r.field()
            switch (n, t) {
            case (1, .lengthDelimited): name = try r.string()
            case (2, .lengthDelimited):
                var m = try r.message()
                type.tensorType = try Self.tensorType(inTypeProto: &m)
            default: try r.skip(t)
            }
        }
    }

    private static func tensorType(inTypeProto r: inout ProtobufReader) throws -> TensorType {
        var result = TensorType()
        try each(&r, 1) { tensor in
            while !tensor.atEnd {
                let (n, t) = try tensor.field()
                switch (n, t) {
                case (1, .varint): result.elemType = try tensor.int32()
                case (2, .lengthDelimited):
                    var shape = try tensor.message()
                    try each(&shape, 1) { dim in result.shape.dim.append(try Self.dimension(&dim)) }
                default: try tensor.skip(t)
                }
            }
        }
        return result
    }

    private static func dimension(_ r: inout ProtobufReader) throws -> Dimension {
        var d = Dimension()
        while !r.atEnd {
            let (n, t) = try r.field()
            switch (n, t) {
            case (1, .varint): d.value = .dimValue(try r.int64())
            case (2, .lengthDelimited): d.value = .dimParam(try r.string())
            default: try r.skip(t)
            }
        }
        return d
    }

    /// Calls `body` with each length-delimited field `number` of the message in `r`, skipping the others.
    private static func each(
        _ r: inout ProtobufReader, _ number: Int, _ body: (inout ProtobufReader) throws -> Void
    ) throws {
        while !r.atEnd {
            let (n, t) = try r.field()
            guard n == number, t == .lengthDelimited else {
                try r.skip(t)
                continue
            }
            var m = try r.message()
            try body(&m)
        }
    }
}
