use crate::{c::C, leaf::{Leaf, LEAF}};

pub struct B(pub C, pub Leaf);
