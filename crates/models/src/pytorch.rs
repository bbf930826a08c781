//! `pytorch_model.bin` (the zip container `torch.save` writes since PyTorch 1.6) → safetensors.
//!
//! Hand-written because the web page has only the file's bytes: `pytorch-reader` (what the CLI
//! and burn-store's pytorch store use) reads tensor data from a file path only, and its
//! `from_reader` refuses the persistent ids every state dict's tensors are. Pickle is a program,
//! not a format, so this is a restricted stack machine, never an interpreter: it knows the
//! opcodes a state dict is written with, treats globals as names only (calling one builds a
//! tensor or an ordered dict, or yields an opaque value), and refuses anything else by name.
//! All objects live in one arena addressed by index: sharing costs nothing, cycles are harmless
//! and dropping a deeply nested input does not recurse.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use safetensors::Dtype;
use safetensors::tensor::TensorView;
use zip::{CompressionMethod, ZipArchive};

use crate::weights::LoadError;

fn fail(msg: impl Into<String>) -> LoadError {
    LoadError::Pytorch(msg.into())
}

#[derive(Clone, Copy)]
enum Value {
    Int(i64),
    Obj(usize),
    /// Whatever a state dict holds besides tensors: None, bools, floats, bytes, objects.
    Opaque,
}

struct Tensor {
    storage: usize,
    offset: usize,
    shape: Vec<usize>,
    stride: Vec<usize>,
}

enum Obj {
    Str(String),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Global(String),
    /// `dtype` is None for integer and bool storages: buffers (`position_ids`), never weights.
    Storage {
        dtype: Option<Dtype>,
        key: String,
    },
    Tensor(Tensor),
}

/// Opcodes refused, named so that the error says what the file tried to do.
#[rustfmt::skip]
const REFUSED: [(u8, &str); 24] = [
    (b'I', "INT"), (b'L', "LONG"), (b'F', "FLOAT"), (b'S', "STRING"), (b'T', "BINSTRING"),
    (b'U', "SHORT_BINSTRING"), (b'V', "UNICODE"), (b'g', "GET"), (b'p', "PUT"),
    (b'P', "PERSID"), (b'i', "INST"), (b'o', "OBJ"), (0x82, "EXT1"), (0x83, "EXT2"),
    (0x84, "EXT4"), (0x8b, "LONG4"), (0x8e, "BINBYTES8"), (0x8f, "EMPTY_SET"),
    (0x90, "ADDITEMS"), (0x91, "FROZENSET"), (0x92, "NEWOBJ_EX"), (0x96, "BYTEARRAY8"),
    (0x97, "NEXT_BUFFER"), (0x98, "READONLY_BUFFER"),
];

struct Input<'a>(&'a [u8], usize);

impl<'a> Input<'a> {
    /// Every length read from the file is checked against what is left before use.
    fn take(&mut self, n: u64) -> Result<&'a [u8], LoadError> {
        let end = usize::try_from(n).ok().and_then(|n| self.1.checked_add(n));
        let bytes = end.and_then(|end| self.0.get(self.1..end));
        let bytes = bytes.ok_or_else(|| fail("data.pkl ends in the middle of an opcode"))?;
        self.1 += bytes.len();
        Ok(bytes)
    }
    /// A little-endian unsigned integer `width` bytes wide.
    fn n(&mut self, width: u64) -> Result<u64, LoadError> {
        Ok(self
            .take(width)?
            .iter()
            .rev()
            .fold(0, |a, &b| a << 8 | u64::from(b)))
    }
    fn line(&mut self) -> Result<String, LoadError> {
        let n = self
            .0
            .get(self.1..)
            .and_then(|r| r.iter().position(|&b| b == b'\n'));
        let line = self.take(n.ok_or_else(|| fail("GLOBAL without a newline"))? as u64 + 1)?;
        utf8(line.strip_suffix(b"\n").unwrap_or(line))
    }
}

fn utf8(b: &[u8]) -> Result<String, LoadError> {
    String::from_utf8(b.to_vec()).map_err(|_| fail("a string in data.pkl is not UTF-8"))
}

fn uint(v: Value) -> Option<usize> {
    match v {
        Value::Int(i) => usize::try_from(i).ok(),
        _ => None,
    }
}

#[derive(Default)]
struct Machine {
    objs: Vec<Obj>,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u64, Value>,
}

impl Machine {
    fn push_obj(&mut self, o: Obj) {
        self.stack.push(Value::Obj(self.objs.len()));
        self.objs.push(o);
    }
    /// The top `n` values; as in Python, a MARK hides what lies below it.
    fn pop_n(&mut self, n: usize) -> Result<Vec<Value>, LoadError> {
        let frame = self.marks.last().copied().unwrap_or(0);
        let base = self.stack.len().checked_sub(n).filter(|&b| b >= frame);
        Ok(self
            .stack
            .split_off(base.ok_or_else(|| fail("pickle stack underflow"))?))
    }
    fn pop(&mut self) -> Result<Value, LoadError> {
        self.pop_n(1)?
            .pop()
            .ok_or_else(|| fail("pickle stack underflow"))
    }
    fn top(&self) -> Result<Value, LoadError> {
        self.stack
            .last()
            .copied()
            .ok_or_else(|| fail("pickle stack underflow"))
    }
    fn pop_mark(&mut self) -> Result<Vec<Value>, LoadError> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| fail("pickle pops a MARK it never set"))?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }
    fn obj(&self, v: Value) -> Option<&Obj> {
        match v {
            Value::Obj(i) => self.objs.get(i),
            _ => None,
        }
    }
    fn str_of(&self, v: Value) -> Option<&str> {
        match self.obj(v) {
            Some(Obj::Str(s)) => Some(s),
            _ => None,
        }
    }
    fn uints(&self, v: Value) -> Option<Vec<usize>> {
        match self.obj(v) {
            Some(Obj::Tuple(t)) => t.iter().map(|&v| uint(v)).collect(),
            _ => None,
        }
    }
    /// SETITEM(S) (`dict`) or APPEND(S) on the top of the stack.
    fn extend(&mut self, items: Vec<Value>, dict: bool) -> Result<(), LoadError> {
        let top = match self.stack.last() {
            Some(Value::Obj(i)) => self.objs.get_mut(*i),
            _ => None,
        };
        match (top, dict) {
            (Some(Obj::Dict(d)), true) if items.len().is_multiple_of(2) => {
                d.extend(
                    items
                        .chunks_exact(2)
                        .filter_map(|p| Some((*p.first()?, *p.get(1)?))),
                );
            }
            (Some(Obj::List(l)), false) => l.extend(items),
            (None, _) => {} // an opaque object's __setitem__/append: nothing a state dict needs
            _ => return Err(fail("SETITEM(S) or APPEND(S) on the wrong kind of object")),
        }
        Ok(())
    }

    /// BINPERSID: `('storage', torch.<Type>Storage, key, location, numel)`.
    fn persistent_load(&mut self, pid: Value) -> Result<(), LoadError> {
        let bad = || fail("a persistent id that is not a ('storage', type, key, …) tuple");
        let Some(Obj::Tuple(t)) = self.obj(pid) else {
            return Err(bad());
        };
        let &[tag, class, key, _, _, ..] = t.as_slice() else {
            return Err(bad());
        };
        let (Some("storage"), Some(Obj::Global(class)), Some(key)) =
            (self.str_of(tag), self.obj(class), self.str_of(key))
        else {
            return Err(bad());
        };
        let dtype = match class.as_str() {
            "torch.FloatStorage" => Some(Dtype::F32),
            "torch.HalfStorage" => Some(Dtype::F16),
            "torch.BFloat16Storage" => Some(Dtype::BF16),
            "torch.DoubleStorage" => Some(Dtype::F64),
            "torch.LongStorage" | "torch.IntStorage" | "torch.ShortStorage"
            | "torch.CharStorage" | "torch.ByteStorage" | "torch.BoolStorage" => None,
            other => return Err(fail(format!("unsupported storage type `{other}`"))),
        };
        let key = key.to_string();
        self.push_obj(Obj::Storage { dtype, key });
        Ok(())
    }

    /// REDUCE: calls nothing; recognises the few globals a state dict is built from by name.
    fn reduce(&mut self, func: Value, args: Value) -> Result<(), LoadError> {
        let Some(Obj::Global(name)) = self.obj(func) else {
            return Err(fail("REDUCE of something that is not a global"));
        };
        let args = match self.obj(args) {
            Some(Obj::Tuple(t)) => t.as_slice(),
            _ => &[],
        };
        let value = match (name.as_str(), args) {
            ("collections.OrderedDict", []) => Obj::Dict(Vec::new()),
            (
                "torch._utils._rebuild_tensor_v2" | "torch._utils._rebuild_tensor",
                &[storage @ Value::Obj(s), offset, size, stride, ..],
            ) => match (
                self.obj(storage),
                uint(offset),
                self.uints(size),
                self.uints(stride),
            ) {
                (Some(Obj::Storage { .. }), Some(offset), Some(shape), Some(stride))
                    if shape.len() == stride.len() =>
                {
                    Obj::Tensor(Tensor {
                        storage: s,
                        offset,
                        shape,
                        stride,
                    })
                }
                _ => return Err(fail(format!("{name} with arguments it does not take"))),
            },
            (
                "torch._utils._rebuild_parameter" | "torch._utils._rebuild_parameter_with_state",
                &[tensor, ..],
            ) => {
                self.stack.push(tensor);
                return Ok(());
            }
            _ => {
                self.stack.push(Value::Opaque);
                return Ok(());
            }
        };
        self.push_obj(value);
        Ok(())
    }

    fn run(&mut self, pkl: &[u8]) -> Result<Value, LoadError> {
        let mut input = Input(pkl, 0);
        loop {
            let at = input.1;
            let op = input.n(1)? as u8;
            match op {
                0x80 if input.n(1)? > 5 => return Err(fail("pickle protocol above 5")),
                0x80 => {}
                0x95 => drop(input.n(8)?), // FRAME: only a read-ahead hint
                b'.' => return self.pop(),
                b'(' => self.marks.push(self.stack.len()),
                b'0' => drop(self.pop()?),
                b'1' => drop(self.pop_mark()?),
                b'2' => self.stack.push(self.top()?),
                b'c' => {
                    let (module, name) = (input.line()?, input.line()?);
                    self.push_obj(Obj::Global(format!("{module}.{name}")));
                }
                0x93 => {
                    let (name, module) = (self.pop()?, self.pop()?);
                    let (Some(module), Some(name)) = (self.str_of(module), self.str_of(name))
                    else {
                        return Err(fail("STACK_GLOBAL of something that is not a string"));
                    };
                    self.push_obj(Obj::Global(format!("{module}.{name}")));
                }
                b'}' => self.push_obj(Obj::Dict(Vec::new())),
                b']' => self.push_obj(Obj::List(Vec::new())),
                b')' => self.push_obj(Obj::Tuple(Vec::new())),
                b'd' => {
                    let items = self.pop_mark()?;
                    self.push_obj(Obj::Dict(Vec::new()));
                    self.extend(items, true)?;
                }
                b'l' | b't' => {
                    let items = self.pop_mark()?;
                    self.push_obj(if op == b'l' {
                        Obj::List(items)
                    } else {
                        Obj::Tuple(items)
                    });
                }
                0x85..=0x87 => {
                    let items = self.pop_n(usize::from(op - 0x84))?;
                    self.push_obj(Obj::Tuple(items));
                }
                b'q' | b'r' | 0x94 => {
                    let key = match op {
                        b'q' => input.n(1)?,
                        b'r' => input.n(4)?,
                        _ => self.memo.len() as u64,
                    };
                    self.memo.insert(key, self.top()?);
                }
                b'h' | b'j' => {
                    let key = input.n(if op == b'h' { 1 } else { 4 })?;
                    let value = self.memo.get(&key).ok_or_else(|| fail("memo never set"))?;
                    self.stack.push(*value);
                }
                b'J' => self
                    .stack
                    .push(Value::Int(i64::from(input.n(4)? as u32 as i32))),
                b'K' => self.stack.push(Value::Int(input.n(1)? as i64)),
                b'M' => self.stack.push(Value::Int(input.n(2)? as i64)),
                0x8a => {
                    let n = input.n(1)?;
                    let b = input.take(n)?;
                    // Two's complement, little-endian: start from the sign, shift bytes in.
                    let sign = if b.last() >= Some(&0x80) { -1 } else { 0 };
                    let v = b
                        .iter()
                        .rev()
                        .fold(sign, |a: i64, &x| a << 8 | i64::from(x));
                    self.stack
                        .push(if n <= 8 { Value::Int(v) } else { Value::Opaque });
                }
                b'N' | 0x88 | 0x89 => self.stack.push(Value::Opaque),
                b'G' | b'B' | b'C' => {
                    let n = match op {
                        b'G' => 8,
                        b'B' => input.n(4)?,
                        _ => input.n(1)?,
                    };
                    input.take(n)?;
                    self.stack.push(Value::Opaque);
                }
                b'X' | 0x8c | 0x8d => {
                    let n = input.n(match op {
                        b'X' => 4,
                        0x8c => 1,
                        _ => 8,
                    })?;
                    let s = utf8(input.take(n)?)?;
                    self.push_obj(Obj::Str(s));
                }
                b'Q' => {
                    let pid = self.pop()?;
                    self.persistent_load(pid)?;
                }
                b'R' => {
                    let (args, func) = (self.pop()?, self.pop()?);
                    self.reduce(func, args)?;
                }
                b'b' => drop(self.pop()?), // BUILD: the state (an OrderedDict's _metadata)
                0x81 => {
                    self.pop_n(2)?; // NEWOBJ: class and arguments, never instantiated
                    self.stack.push(Value::Opaque);
                }
                b's' | b'a' => {
                    let items = self.pop_n(if op == b's' { 2 } else { 1 })?;
                    self.extend(items, op == b's')?;
                }
                b'u' | b'e' => {
                    let items = self.pop_mark()?;
                    self.extend(items, op == b'u')?;
                }
                _ => {
                    let name = REFUSED
                        .iter()
                        .find(|r| r.0 == op)
                        .map_or("unknown", |r| r.1);
                    return Err(fail(format!(
                        "data.pkl uses pickle opcode {name} (0x{op:02x}) at byte {at}, which \
                         a state dict never needs; refusing to interpret it"
                    )));
                }
            }
        }
    }
}

/// Tensors under `v`, named by their dict keys joined with `.`. A real state dict visits each
/// dict entry once, so `budget` (data.pkl's length) running out means dicts shared into an
/// exponentially large tree, or a cycle.
fn flatten(
    m: &Machine,
    v: Value,
    prefix: &str,
    depth: usize,
    budget: &mut usize,
    out: &mut Vec<(String, usize)>,
) -> Result<(), LoadError> {
    match (m.obj(v), v) {
        (Some(Obj::Tensor(_)), Value::Obj(i)) => out.push((prefix.to_string(), i)),
        (Some(Obj::Dict(_)), _) if depth >= 32 => return Err(fail("dicts nested 32 deep")),
        (Some(Obj::Dict(items)), _) => {
            for &(k, v) in items {
                *budget = budget
                    .checked_sub(1)
                    .ok_or_else(|| fail("dicts shared in a loop"))?;
                let key = match (k, m.str_of(k)) {
                    (Value::Int(n), _) => n.to_string(),
                    (_, Some(s)) => s.to_string(),
                    _ => continue,
                };
                let name = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(m, v, &name, depth + 1, budget, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The view's elements in row-major order, borrowed when it is contiguous (the usual case:
/// the browser then holds no extra copy of the model). `budget` caps the output bytes, since a
/// stride of 0 lets a few bytes of storage claim any size.
fn gather<'a>(
    t: &Tensor,
    size: usize,
    storage: &'a [u8],
    budget: &mut usize,
) -> Result<Cow<'a, [u8]>, String> {
    let numel = t.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let bytes = numel
        .and_then(|n| n.checked_mul(size))
        .filter(|&b| b <= *budget);
    let (Some(numel), Some(bytes)) = (numel, bytes) else {
        return Err(format!(
            "shape {:?} is larger than the file can hold",
            t.shape
        ));
    };
    *budget -= bytes;
    if numel == 0 {
        return Ok(Cow::Borrowed(&[]));
    }
    let dims = t.shape.iter().zip(&t.stride);
    let last = dims.clone().try_fold(t.offset, |a, (&d, &s)| {
        a.checked_add(d.saturating_sub(1).checked_mul(s)?)
    });
    let avail = storage.len() / size;
    if last.is_none_or(|last| last >= avail) {
        return Err(format!(
            "its view reaches past the end of its storage ({avail} elements)"
        ));
    }
    let mut expect = 1;
    let contiguous = dims.rev().all(|(&d, &s)| {
        let ok = d == 1 || s == expect;
        expect *= d;
        ok
    });
    if contiguous {
        let start = t.offset * size;
        let data = storage.get(start..start + bytes).unwrap_or_default();
        return Ok(Cow::Borrowed(data));
    }
    let mut out = Vec::with_capacity(bytes);
    let mut index = vec![0usize; t.shape.len()];
    for _ in 0..numel {
        let at = index
            .iter()
            .zip(&t.stride)
            .fold(t.offset, |a, (&i, &s)| a + i * s);
        out.extend_from_slice(storage.get(at * size..(at + 1) * size).unwrap_or_default());
        for (i, &d) in index.iter_mut().zip(&t.shape).rev() {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    Ok(Cow::Owned(out))
}

/// data.pkl plus its storages (looked up by key) → safetensors bytes.
fn convert<'a>(
    pkl: &[u8],
    mut budget: usize,
    mut storage: impl FnMut(&str) -> Result<Option<&'a [u8]>, LoadError>,
) -> Result<Vec<u8>, LoadError> {
    let mut m = Machine::default();
    let root = m.run(pkl)?;
    if !matches!(m.obj(root), Some(Obj::Dict(_))) {
        return Err(fail("its top level is not a dict of tensors"));
    }
    let mut leaves = Vec::new();
    flatten(&m, root, "", 0, &mut pkl.len(), &mut leaves)?;
    let mut tensors = BTreeMap::new();
    for (name, i) in leaves {
        let Some(Obj::Tensor(t)) = m.objs.get(i) else {
            continue;
        };
        let Some(Obj::Storage {
            dtype: Some(dtype),
            key,
        }) = m.objs.get(t.storage)
        else {
            continue;
        };
        let missing = || fail(format!("storage {key} of tensor `{name}` is missing"));
        let data = storage(key)?.ok_or_else(missing)?;
        let data = gather(t, dtype.bitsize() / 8, data, &mut budget)
            .map_err(|e| fail(format!("tensor `{name}`: {e}")))?;
        let (dtype, data) = match dtype {
            Dtype::F64 => {
                let f32s = data.chunks_exact(8).flat_map(|c| {
                    let mut b = [0; 8];
                    b.copy_from_slice(c);
                    (f64::from_le_bytes(b) as f32).to_le_bytes()
                });
                (Dtype::F32, Cow::Owned(f32s.collect()))
            }
            _ => (*dtype, data),
        };
        tensors.insert(name, (dtype, t.shape.clone(), data));
    }
    if tensors.is_empty() {
        return Err(fail("it holds no floating-point tensor"));
    }
    let views = tensors.iter().map(|(name, (dtype, shape, data))| {
        TensorView::new(*dtype, shape.clone(), data).map(|v| (name, v))
    });
    let meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    views
        .collect::<Result<Vec<_>, _>>()
        .and_then(|v| safetensors::serialize(v, Some(meta)))
        .map_err(|e| fail(format!("writing safetensors: {e}")))
}

/// An entry's bytes, borrowed from the file: `torch.save` stores entries as they are.
fn entry<'a>(
    zip: &mut ZipArchive<Cursor<&'a [u8]>>,
    bytes: &'a [u8],
    name: &str,
) -> Result<Option<&'a [u8]>, LoadError> {
    let Some(index) = zip.index_for_name_raw(name.as_bytes()) else {
        return Ok(None);
    };
    let file = zip
        .by_index_raw(index)
        .map_err(|e| fail(format!("zip entry {name}: {e}")))?;
    if file.compression() != CompressionMethod::Stored || file.encrypted() {
        return Err(fail(format!(
            "zip entry {name} is compressed or encrypted, which torch.save never does \
             (was the file re-zipped?)"
        )));
    }
    let start = file.data_start().and_then(|s| usize::try_from(s).ok());
    let len = usize::try_from(file.compressed_size()).ok();
    let range = start.zip(len).and_then(|(s, l)| Some(s..s.checked_add(l)?));
    let data = range.and_then(|r| bytes.get(r));
    data.map(Some)
        .ok_or_else(|| fail(format!("zip entry {name} reaches past the end of the file")))
}

/// `pytorch_model.bin` bytes (PyTorch ≥ 1.6 zip container, as torch.save / save_pretrained
/// write it) → safetensors bytes, same tensor names. Float tensors only (f64 becomes f32);
/// integer and bool buffers such as `position_ids` are left out. Nested dicts are flattened
/// with `.`-joined names.
pub fn to_safetensors(bytes: &[u8]) -> Result<Vec<u8>, LoadError> {
    if bytes.first() == Some(&0x80) {
        return Err(fail(
            "this is PyTorch's pre-1.6 format (a bare pickle, not a zip); convert it with \
             `tlab convert-bert`, which reads it, or re-save it with a current torch.save",
        ));
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        fail(format!(
            "not a zip archive, so not a PyTorch checkpoint ({e})"
        ))
    })?;
    // The top folder is named after the file torch.save wrote (`archive/`, `pytorch_model/`).
    let top = zip.file_names_raw().find_map(|n| {
        let top = n.strip_suffix(b"data.pkl")?;
        let inner = top.strip_suffix(b"/").unwrap_or(top);
        (!inner.contains(&b'/')).then(|| String::from_utf8_lossy(top).into_owned())
    });
    let top = top.ok_or_else(|| fail("a zip file without data.pkl"))?;
    if let Some(order) = entry(&mut zip, bytes, &format!("{top}byteorder"))?
        && order != b"little"
    {
        let order = String::from_utf8_lossy(order);
        return Err(fail(format!(
            "its byte order is `{order}`; only little-endian is read"
        )));
    }
    let pkl = entry(&mut zip, bytes, &format!("{top}data.pkl"))?.unwrap_or_default();
    convert(pkl, bytes.len().saturating_mul(4), |key| {
        entry(&mut zip, bytes, &format!("{top}data/{key}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::SafeTensors;

    const MULTILABEL: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/bert-head-multilabel/pytorch_model.bin"
    );

    fn floats(st: &SafeTensors, name: &str) -> (Vec<usize>, Vec<f32>) {
        let t = st.tensor(name).expect(name);
        let (size, to_f32): (usize, fn(&[u8]) -> f32) = match t.dtype() {
            Dtype::F32 => (4, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            Dtype::F16 => (2, |b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()),
            Dtype::BF16 => (2, |b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()),
            d => panic!("{name}: {d:?}"),
        };
        (
            t.shape().to_vec(),
            t.data().chunks(size).map(to_f32).collect(),
        )
    }

    #[test]
    fn matches_pytorch_reader() {
        let out = to_safetensors(&std::fs::read(MULTILABEL).expect("fixture")).expect("convert");
        let st = SafeTensors::deserialize(&out).expect("safetensors");
        let reference = pytorch_reader::PytorchReader::new(MULTILABEL).expect("reference");
        let mut floats_seen = 0;
        for name in reference.keys() {
            let t = reference.get(&name).expect("listed");
            if t.dtype() != pytorch_reader::DType::F32 {
                continue; // position_ids, token_type_ids: integer buffers, left out
            }
            let (shape, values) = floats(&st, &name);
            assert_eq!(shape, t.shape(), "{name}");
            let bytes = t.read().expect("reference read");
            let want = bytes
                .chunks(4)
                .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
            assert!(want.eq(values.into_iter().map(f32::to_bits)), "{name}");
            floats_seen += 1;
        }
        assert!(floats_seen > 10);
        assert_eq!(st.names().len(), floats_seen);
        let (_, meta) = SafeTensors::read_metadata(&out).expect("header");
        let format = meta
            .metadata()
            .as_ref()
            .and_then(|m| m.get("format").cloned());
        assert_eq!(format.as_deref(), Some("pt"));
    }

    #[test]
    fn dtypes_views_shared_storage_and_nesting() {
        let out =
            to_safetensors(include_bytes!("../tests/data/pytorch_views.pt")).expect("convert");
        let st = SafeTensors::deserialize(&out).expect("safetensors");
        let mut names = st.names();
        names.sort();
        // No `ids` (an int64 buffer) and no `step` (a plain int).
        let want = [
            "a",
            "b",
            "bf16",
            "f16",
            "f64",
            "inner.deeper.v",
            "inner.w",
            "scalar",
            "t",
        ];
        assert_eq!(names, want);
        let dtype = |n: &str| st.tensor(n).expect(n).dtype();
        assert_eq!(
            [dtype("f16"), dtype("bf16"), dtype("f64")],
            [Dtype::F16, Dtype::BF16, Dtype::F32]
        );
        let cases: [(&str, &[usize], &[f32]); 9] = [
            ("f16", &[3], &[1.5, -2.25, 0.125]),
            ("bf16", &[1, 2], &[1.0, -0.5]),
            ("f64", &[2, 2], &[1.0, 2.5, -3.0, 0.1f64 as f32]),
            ("scalar", &[], &[3.5]),
            ("t", &[3, 2], &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]),
            ("a", &[3], &[2.0, 3.0, 4.0]),
            ("b", &[5], &[5.0, 6.0, 7.0, 8.0, 9.0]),
            ("inner.w", &[2], &[7.0, 8.0]),
            ("inner.deeper.v", &[1], &[-1.0]),
        ];
        for (name, shape, values) in cases {
            assert_eq!(
                floats(&st, name),
                (shape.to_vec(), values.to_vec()),
                "{name}"
            );
        }
    }

    /// A hand-written protocol-4 state dict `{"w": <f32 view>}`.
    fn view_pickle(offset: u8, size: &[u8], stride: &[u8]) -> Vec<u8> {
        let s = |x: &str| [&[0x8c, x.len() as u8], x.as_bytes()].concat();
        let tuple = |xs: &[u8]| {
            [
                b"(".to_vec(),
                xs.iter().flat_map(|&x| [b'K', x]).collect(),
                b"t".to_vec(),
            ]
            .concat()
        };
        let head = [
            &b"\x80\x04}("[..],
            &s("w"),
            b"ctorch._utils\n_rebuild_tensor_v2\n((",
        ]
        .concat();
        let pid = [
            s("storage"),
            b"ctorch\nFloatStorage\n".to_vec(),
            s("0"),
            s("cpu"),
        ]
        .concat();
        [
            head,
            pid,
            vec![b'K', 4, b't', b'Q', b'K', offset],
            tuple(size),
            tuple(stride),
            b"\x89)tRu.".to_vec(),
        ]
        .concat()
    }

    #[test]
    fn crafted_pickles() {
        let storage: Vec<u8> = [1f32, 2., 3., 4.]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let run = |pkl: &[u8]| convert(pkl, 1 << 20, |_| Ok(Some(&storage[..])));
        let out = run(&view_pickle(1, &[2, 2], &[1, 0])).expect("expanded view");
        let st = SafeTensors::deserialize(&out).expect("safetensors");
        assert_eq!(floats(&st, "w"), (vec![2, 2], vec![2., 2., 3., 3.]));
        let err = |pkl: &[u8]| run(pkl).expect_err("must fail").to_string();
        assert!(err(&view_pickle(2, &[3], &[1])).contains("past the end"));
        assert!(err(&view_pickle(0, &[255, 255, 255], &[0, 0, 0])).contains("larger than"));
        // Calling os.system is never more than a name and an opaque value.
        assert!(err(b"\x80\x02cos\nsystem\nS'ls'\n\x85R.").contains("STRING"));
        assert!(err(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.").contains("top level"));
        assert!(err(b"\x80\x02}q\x00(X\x01\x00\x00\x00kh\x00u.").contains("loop"));
        assert!(err(b"\x80\x02}.").contains("no floating-point"));
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let good = std::fs::read(MULTILABEL).expect("fixture");
        let err = |b: &[u8]| to_safetensors(b).expect_err("must fail").to_string();
        assert!(err(b"hello").contains("not a zip"));
        assert!(err(b"\x80\x02}q\x00.").contains("convert-bert"));
        for cut in (0..good.len())
            .step_by(997)
            .chain([good.len() - 1, good.len() - 23])
        {
            assert!(to_safetensors(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut zip = ZipArchive::new(Cursor::new(&good[..])).expect("zip");
        let pkl = zip.by_name("pytorch_model/data.pkl").expect("data.pkl");
        let start = pkl.data_start().expect("located") as usize;
        let pkl_range = start..start + pkl.size() as usize;
        let (mut fails, mut bad) = (0, good.clone());
        for at in pkl_range {
            for flip in [0x01, 0x80, 0xff] {
                bad[at] ^= flip;
                fails += usize::from(to_safetensors(&bad).is_err());
                bad[at] ^= flip;
            }
        }
        assert!(fails > 1000, "{fails}");
        // The central directory's entry for data.pkl, marked deflated.
        let central = good
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .expect("central directory");
        bad[central + 10] = 8;
        assert!(err(&bad).contains("compressed"));
    }
}
