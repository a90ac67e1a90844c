// `crate::c` in a comment is not an edge.
use crate::b::B;
use crate::leaf::Leaf;

pub struct A(pub B, pub Leaf);
