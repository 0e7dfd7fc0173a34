//! Registers made to hurt: whatever the file, the reader answers with a grid or a clear error,
//! never a panic, an abort or gigabytes of memory.

use std::io::Write;

use kadian_registers::{read_grid, RegisterError};

#[test]
fn a_sheet_with_a_cell_at_xfd1048576_is_refused_without_reading_the_rectangle() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("huge.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").expect("A1");
    sheet
        .write_string(1_048_575, 16_383, "x")
        .expect("XFD1048576");
    book.save(&path).expect("save");
    assert!(
        std::fs::metadata(&path).expect("meta").len() < 10_000,
        "a small file"
    );
    match read_grid(&path) {
        Err(e @ RegisterError::SheetTooLarge { .. }) => {
            assert_eq!(e.code(), "sheet_too_large");
            assert!(e.to_string().contains("1048576"), "{e}");
        }
        other => panic!("expected sheet_too_large, got {other:?}"),
    }
}

#[test]
fn a_sheet_within_the_limits_is_read_as_before() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("ok.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(2, 1, "姓名").expect("B3");
    sheet.write_number(3, 2, 36.5).expect("C4");
    book.save(&path).expect("save");
    let grid = read_grid(&path).expect("read");
    assert_eq!(grid.rows.len(), 4);
    assert_eq!(grid.rows[2][1].text(), "姓名");
    assert_eq!(grid.rows[3][2].text(), "36.5");
}

#[test]
fn damaged_and_disguised_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases: [(&str, &[u8]); 4] = [
        ("zip.xlsx", b"PK\x03\x04 not really a zip"),
        ("text.xlsx", "姓名,电话\n张三,1380000".as_bytes()),
        ("empty.xls", b""),
        ("random.xlsb", &[0xffu8; 4096]),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(bytes))
            .expect("write");
        let err = read_grid(&path).expect_err(name);
        assert_eq!(err.code(), "workbook_damaged", "{name}: {err}");
    }
}

#[test]
fn a_sheet_formatted_down_to_row_1048576_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("formatted.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").expect("A1");
    sheet.write_string(1, 0, "张三").expect("A2");
    sheet
        .write_blank(1_048_575, 200, &bold)
        .expect("a formatted, empty cell far away");
    book.save(&path).expect("save");
    let grid = read_grid(&path).expect("read");
    assert_eq!(grid.rows.len(), 2);
    assert_eq!(grid.rows[1][0].text(), "张三");
}
