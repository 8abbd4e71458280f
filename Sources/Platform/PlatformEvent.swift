import ImmediateUI
import Raster

/// Events that aren't part of the per-frame input snapshot.
public enum PlatformEvent: Equatable { case quit, dropBegin, dropFile(String), dropComplete, windowResized }

/// Supplies the pixels for an ImageKey when the texture cache does not have that (id, version) yet.
public protocol ImageProvider: AnyObject { func image(for key: ImageKey) -> RGBAImage? }
