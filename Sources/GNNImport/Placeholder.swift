import GNNFormats
