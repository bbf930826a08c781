//! The Marian `.bin` reader on a small file built here in the format's layout: values,
//! int8 dequantisation, transposed shapes, and errors (never panics) on every truncation and
//! on corrupt headers.

use tlab_convert::marian_bin::{MarianData, MarianModel};

/// Builds a Marian binary file from (name, type, shape, data) items.
fn build(items: &[(&str, u64, Vec<i32>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(1u64.to_le_bytes());
    out.extend((items.len() as u64).to_le_bytes());
    for (name, ty, shape, data) in items {
        out.extend((name.len() as u64 + 1).to_le_bytes());
        out.extend(ty.to_le_bytes());
        out.extend((shape.len() as u64).to_le_bytes());
        out.extend((data.len() as u64).to_le_bytes());
    }
    for (name, ..) in items {
        out.extend(name.as_bytes());
        out.push(0);
    }
    for (_, _, shape, _) in items {
        for d in shape {
            out.extend(d.to_le_bytes());
        }
    }
    let pad = (256 - (out.len() + 8) % 256) % 256;
    out.extend((pad as u64).to_le_bytes());
    out.extend(vec![0u8; pad]);
    for (.., data) in items {
        out.extend(data);
    }
    out
}

fn sample() -> Vec<u8> {
    // A 2×3 intgemm8 matrix: logical [in=2, out=3], stored transposed as [3, 2].
    let q: Vec<u8> = [1i8, -2, 3, -4, 5, 127].iter().map(|&v| v as u8).collect();
    let mut w = q.clone();
    w.extend(2.0f32.to_le_bytes());
    w.resize(256, 0);
    let b: Vec<u8> = [0.5f32, -1.0, 2.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let yaml = b"type: transformer\ndim-emb: 2\n\0".to_vec();
    build(&[
        ("layer_W", 0x4101, vec![2, 3], w),
        ("layer_b", 0x0404, vec![1, 3], b),
        ("special:model.yml", 0x0101, vec![yaml.len() as i32], yaml),
    ])
}

#[test]
fn reads_values_shapes_and_config() {
    let m = MarianModel::parse(&sample()).expect("parses");
    assert_eq!(m.yaml_value("dim-emb").as_deref(), Some("2"));
    let w = m.get("layer_W").expect("W");
    assert_eq!(w.shape, vec![2, 3]);
    assert_eq!(
        w.stored_shape("layer_W"),
        vec![3, 2],
        "quantised matrices are stored transposed"
    );
    assert!(matches!(w.data, MarianData::Int8 { quant_mult, .. } if quant_mult == 2.0));
    assert_eq!(w.to_f32(), vec![0.5, -1.0, 1.5, -2.0, 2.5, 63.5]);
    let b = m.get("layer_b").expect("b");
    assert_eq!(b.to_f32(), vec![0.5, -1.0, 2.0]);
    assert_eq!(b.stored_shape("layer_b"), vec![1, 3]);
    assert!(m.get("missing").is_err());
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let bytes = sample();
    for len in 0..bytes.len() - 1 {
        assert!(
            MarianModel::parse(&bytes[..len]).is_err(),
            "truncated at {len} should fail"
        );
    }
}

#[test]
fn hostile_headers_are_errors() {
    let mut bytes = sample();
    bytes[0] = 2; // version
    assert!(
        MarianModel::parse(&bytes)
            .expect_err("hostile header rejected")
            .to_string()
            .contains("version")
    );
    let mut bytes = sample();
    bytes[8..16].copy_from_slice(&u64::MAX.to_le_bytes()); // item count
    assert!(MarianModel::parse(&bytes).is_err());
    let mut bytes = sample();
    bytes[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes()); // name length
    assert!(MarianModel::parse(&bytes).is_err());
    let mut bytes = sample();
    let type_at = 16 + 8;
    bytes[type_at..type_at + 8].copy_from_slice(&0x9999u64.to_le_bytes());
    assert!(
        MarianModel::parse(&bytes)
            .expect_err("hostile header rejected")
            .to_string()
            .contains("not supported")
    );
}
