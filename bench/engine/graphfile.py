#!/usr/bin/env python3
"""Reads a gnn-serve graph file (formats/graph.md) with numpy: every section as a memory-mapped array.

    import graphfile
    g = graphfile.GraphFile("graph.bin")
    g.nodes, g.edges, g.sections           # header counts, {name: numpy memmap}
    x = g["node.features"]                 # N x F (f32/f16 as stored; bf16 is returned as raw uint16)
    edge_index = g.edge_index()            # 2 x M int64 (sources, destinations) in CSR order
    edge_attr = g.get("edge.features")     # M x E, row e belongs to edge e of edge_index, or None
    order = g.get("node.order")            # when reordered by pack: row r holds input node order[r], or None

Only the layout is read (header, section table); checksums and structure are gnn-serve info --verify's job.
"""
import struct

import numpy as np

MAGIC = b"\x89GNNG\r\n\x1a"
DTYPES = {1: np.uint8, 2: np.int32, 3: np.uint32, 4: np.int64, 5: np.uint64, 6: np.float32, 7: np.float16,
          8: np.uint16}


class GraphFile:
    def __init__(self, path: str):
        self.path = path
        with open(path, "rb") as f:
            header = f.read(128)
            if len(header) < 128 or header[:8] != MAGIC:
                raise ValueError(f"{path}: not a gnn-serve graph file")
            self.nodes, self.edges, count, entry_size, table_offset = struct.unpack_from("<QQIIQ", header, 32)
            f.seek(table_offset)
            table = f.read(count * entry_size)
        self.sections = {}
        for i in range(count):
            entry = table[i * entry_size:(i + 1) * entry_size]
            name = entry[:24].rstrip(b"\0").decode("ascii")
            dtype, rank = entry[24], entry[25]
            dim0, dim1, offset, length = struct.unpack_from("<QQQQ", entry, 32)
            shape = (dim0,) if rank == 1 else (dim0, dim1)
            if length == 0:
                self.sections[name] = np.zeros(shape, dtype=DTYPES[dtype])
            else:
                self.sections[name] = np.memmap(path, dtype=DTYPES[dtype], mode="r", offset=offset, shape=shape)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.sections[name]

    def get(self, name: str):
        return self.sections.get(name)

    def edge_index(self) -> np.ndarray:
        """The 2 x M int64 edge list PyG takes: row 0 sources, row 1 destinations, in CSR (destination) order."""
        offsets = np.asarray(self["csr.offsets"], dtype=np.int64)
        destinations = np.repeat(np.arange(self.nodes, dtype=np.int64), np.diff(offsets))
        return np.stack([np.asarray(self["csr.sources"], dtype=np.int64), destinations])
