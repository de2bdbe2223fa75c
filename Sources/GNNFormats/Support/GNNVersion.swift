/// The version of gnn-serve's tools, recorded in the files they write.
public enum GNNVersion {
    public static let current = "0.1.0"
}
