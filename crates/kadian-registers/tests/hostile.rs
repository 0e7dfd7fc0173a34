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

/// Rewrites the zip `bytes`, putting `parts` in place of (or beside) the parts of that name.
fn with_parts(bytes: &[u8], parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut old = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for i in 0..old.len() {
        let mut part = old.by_index(i).expect("part");
        let name = part.name().expect("name").into_owned();
        if parts.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut part, &mut body).expect("read part");
        w.start_file(name, opts).expect("start");
        w.write_all(&body).expect("copy");
    }
    for (name, body) in parts {
        w.start_file(*name, opts).expect("start");
        w.write_all(body).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn a_small_xlsx_declaring_millions_of_texts_is_refused_before_they_are_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").expect("A1");
    sheet.write_string(1, 0, "张三").expect("A2");
    let real = book.save_to_buffer().expect("save");
    // 4,000,001 empty texts unpack to 20 MB and zip to a few kilobytes; calamine would hold
    // each as a String before reading a single cell.
    let strings = format!(
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">{}</sst>",
        "<si/>".repeat(4_000_001)
    );
    let bomb = with_parts(&real, &[("xl/sharedStrings.xml", strings.into_bytes())]);
    assert!(bomb.len() < 200_000, "a small file: {} bytes", bomb.len());
    let path = write(&dir, "bomb.xlsx", &bomb);
    let err = read_grid(&path).expect_err("refused");
    assert_eq!(err.code(), "file_too_large", "{err}");
    assert!(
        err.message_zh().contains("不同文字"),
        "{}",
        err.message_zh()
    );
    // The workbook it was made from reads as before.
    let grid = read_grid(&write(&dir, "real.xlsx", &real)).expect("read");
    assert_eq!(grid.rows[1][0].text(), "张三");
}

fn ods(content: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).expect("mimetype");
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .expect("mimetype");
    w.start_file(
        "META-INF/manifest.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("manifest");
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#)
        .expect("manifest");
    w.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .expect("content");
    w.write_all(
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{content}</office:spreadsheet></office:body></office:document-content>"#
        )
        .as_bytes(),
    )
    .expect("content");
    w.finish().expect("finish").into_inner()
}

#[test]
fn an_ods_row_repeated_a_million_times_is_refused_and_a_plain_ods_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let header = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell></table:table-row>"#;
    let bomb = ods(&format!(
        r#"<table:table table:name="名册">{header}<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#
    ));
    assert!(bomb.len() < 10_000);
    let err = read_grid(&write(&dir, "bomb.ods", &bomb)).expect_err("refused");
    assert_eq!(err.code(), "sheet_too_large", "{err}");
    let plain = ods(&format!(
        r#"<table:table table:name="名册">{header}<table:table-row><table:table-cell office:value-type="string"><text:p>张三</text:p></table:table-cell></table:table-row></table:table>"#
    ));
    let grid = read_grid(&write(&dir, "plain.ods", &plain)).expect("read");
    assert_eq!(grid.sheet, "名册");
    assert_eq!(grid.rows[1][0].text(), "张三");
}

#[test]
fn a_csv_beyond_the_register_limits_is_refused_at_the_row_or_column_that_passes_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let rows = "姓名,电话\n".to_owned() + &"张三,13800000000\n".repeat(200_000);
    let err = read_grid(&write(&dir, "long.csv", rows.as_bytes())).expect_err("rows");
    assert_eq!(err.code(), "sheet_too_large");
    assert!(err.to_string().contains("200001"), "{err}");
    let wide = "姓名".to_owned() + &",x".repeat(100) + "\n";
    let err = read_grid(&write(&dir, "wide.csv", wide.as_bytes())).expect_err("columns");
    assert_eq!(err.code(), "sheet_too_large");
    // Empty columns to the right (some tools pad every line) and empty lines below are nothing.
    let padded = "姓名,电话".to_owned() + &",".repeat(500) + "\n张三,1\n" + &"\n".repeat(300_000);
    let grid = read_grid(&write(&dir, "padded.csv", padded.as_bytes())).expect("read");
    assert_eq!(grid.rows.len(), 2);
    assert_eq!(grid.rows[0].len(), 2);
}

#[test]
fn csv_rows_are_numbered_as_excel_shows_them_after_a_cell_of_several_lines() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "姓名,备注\n张三,\"第一行\n第二行\"\n李四,x\n\n王五,\"a\r\nb\r\nc\"\n赵六,y\n";
    let grid = read_grid(&write(&dir, "multi.csv", text.as_bytes())).expect("read");
    let names: Vec<String> = grid
        .rows
        .iter()
        .map(|r| r.first().map(|c| c.text()).unwrap_or_default())
        .collect();
    assert_eq!(names, ["姓名", "张三", "李四", "", "王五", "赵六"]);
}

#[test]
fn a_hidden_first_sheet_is_passed_over_for_the_visible_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut book = rust_xlsxwriter::Workbook::new();
    let old = book.add_worksheet().set_name("去年").expect("name");
    old.write_string(0, 0, "旧名册").expect("A1");
    old.set_hidden(true);
    let current = book.add_worksheet().set_name("名册").expect("name");
    current.write_string(0, 0, "姓名").expect("A1");
    current.set_active(true);
    let path = dir.path().join("hidden.xlsx");
    book.save(&path).expect("save");
    let grid = read_grid(&path).expect("read");
    assert_eq!(grid.sheet, "名册");
}

#[test]
fn a_file_beyond_256_mib_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    for name in ["huge.csv", "huge.xlsx"] {
        let path = dir.path().join(name);
        // A sparse file: nothing is written to the disk.
        std::fs::File::create(&path)
            .and_then(|f| f.set_len(kadian_registers::guard::MAX_FILE_BYTES + 1))
            .expect("sparse");
        let err = read_grid(&path).expect_err(name);
        assert_eq!(err.code(), "file_too_large", "{name}: {err}");
    }
}

#[test]
fn a_workbook_is_read_by_what_it_is_not_by_its_name() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "姓名").expect("A1");
    let bytes = book.save_to_buffer().expect("save");
    // WPS and older tools give an .xlsx an .xls name.
    let grid = read_grid(&write(&dir, "名册.xls", &bytes)).expect("read");
    assert_eq!(grid.rows[0][0].text(), "姓名");
}

#[test]
fn a_csv_row_of_millions_of_commas_or_of_quoted_line_breaks_is_refused_before_it_is_split() {
    let dir = tempfile::tempdir().expect("tmp");
    // One row of 2 MiB (200 MiB of commas took 2.5 GB before it failed).
    let commas = "姓名,身份证号\n".to_owned() + &"x".repeat(2 << 20) + "\n";
    let err = read_grid(&write(&dir, "long.csv", commas.as_bytes())).expect_err("row");
    assert_eq!(err.code(), "file_too_large", "{err}");
    assert!(err.to_string().contains("bytes"), "{err}");
    assert!(err.message_zh().contains("一行"), "{}", err.message_zh());
    // 20,000 fields in a row.
    let fields = "姓名,身份证号\n".to_owned() + &",".repeat(20_000) + "\n";
    let err = read_grid(&write(&dir, "fields.csv", fields.as_bytes())).expect_err("fields");
    assert_eq!(err.code(), "file_too_large", "{err}");
    assert!(err.message_zh().contains("字段数"), "{}", err.message_zh());
    // One row made of short lines: every quoted cell holds only a line break.
    let quoted = "姓名,身份证号\n".to_owned() + &"\"\n\",".repeat(400_000) + "\n";
    let err = read_grid(&write(&dir, "quoted.csv", quoted.as_bytes())).expect_err("quoted");
    assert_eq!(err.code(), "file_too_large", "{err}");
    // A CSV beyond 64 MiB (a sparse file: nothing is written), refused before it is read.
    let path = dir.path().join("big.csv");
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(kadian_registers::guard::MAX_TEXT_BYTES + 1))
        .expect("sparse");
    let err = read_grid(&path).expect_err("text");
    assert_eq!(err.code(), "file_too_large", "{err}");
}

/// An .xls compound file whose workbook stream holds `records` (type, body).
fn xls(records: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).expect("cfb");
    {
        let mut stream = file.create_stream("/Workbook").expect("stream");
        for (kind, body) in records {
            stream.write_all(&kind.to_le_bytes()).expect("type");
            stream
                .write_all(&(body.len() as u16).to_le_bytes())
                .expect("len");
            stream.write_all(body).expect("body");
        }
    }
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

/// A NUMBER record at (row, column).
fn number(row: u16, column: u16) -> (u16, Vec<u8>) {
    let mut b = Vec::new();
    b.extend(row.to_le_bytes());
    b.extend(column.to_le_bytes());
    b.extend(0u16.to_le_bytes());
    b.extend(36.5f64.to_le_bytes());
    (0x0203, b)
}

#[test]
fn a_small_xls_whose_cells_span_millions_is_refused_before_calamine_builds_the_grid() {
    let dir = tempfile::tempdir().expect("tmp");
    let bof = (0x0809u16, vec![0u8; 16]);
    let eof = (0x000Au16, Vec::new());
    // A cell at column 65,536: no .xls has one (the last column is IV, 256); calamine would
    // build a grid of 4 billion cells.
    let far = xls(&[
        bof.clone(),
        number(0, 0),
        number(65_535, 65_535),
        eof.clone(),
    ]);
    assert!(far.len() < 64 * 1024, "a small file: {} bytes", far.len());
    let err = read_grid(&write(&dir, "far.xls", &far)).expect_err("far");
    assert_eq!(err.code(), "sheet_too_large", "{err}");
    // A1 and IV65536: 16.7 million cells in one grid.
    let wide = xls(&[bof.clone(), number(0, 0), number(65_535, 255), eof.clone()]);
    let err = read_grid(&write(&dir, "wide.xls", &wide)).expect_err("wide");
    assert_eq!(err.code(), "file_too_large", "{err}");
    assert!(
        err.message_zh().contains("非空单元格"),
        "{}",
        err.message_zh()
    );
    // Declared dimensions of 4 billion rows (calamine reserves room for them).
    let mut dims = Vec::new();
    dims.extend(0u32.to_le_bytes());
    dims.extend(u32::MAX.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    dims.extend(10u16.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    let declared = xls(&[bof, (0x0200, dims), number(0, 0), eof]);
    let err = read_grid(&write(&dir, "declared.xls", &declared)).expect_err("dimensions");
    assert_eq!(err.code(), "sheet_too_large", "{err}");
}

#[test]
fn an_xlsb_is_asked_for_as_xlsx_and_a_claimed_count_of_texts_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "姓名").expect("A1");
    let real = book.save_to_buffer().expect("save");
    // A zip whose workbook is binary, not XML.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("xl/workbook.bin", zip::write::SimpleFileOptions::default())
        .expect("start");
    w.write_all(&[0u8; 16]).expect("write");
    let only_bin = w.finish().expect("finish").into_inner();
    for (name, bytes) in [("a.xlsb", &only_bin), ("b.xlsx", &only_bin)] {
        let err = read_grid(&write(&dir, name, bytes)).expect_err(name);
        assert_eq!(err.code(), "file_type_unsupported", "{name}: {err}");
    }
    // `uniqueCount` of 99,999,999,999 in a small file: calamine would reserve room for them.
    let strings = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="99999999999" count="1"><si><t>姓名</t></si></sst>"#;
    let claimed = with_parts(
        &real,
        &[("xl/sharedStrings.xml", strings.as_bytes().to_vec())],
    );
    let err = read_grid(&write(&dir, "claimed.xlsx", &claimed)).expect_err("claimed");
    assert_eq!(err.code(), "file_too_large", "{err}");
}

#[test]
fn a_real_xls_passes_its_checks_and_is_read_with_its_merged_cells() {
    // Written by xlwt (BIFF8): a hidden first sheet, a title merged across, 包保责任人 merged
    // down over three people.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/居民花名册.xls");
    let bytes = std::fs::read(&path).expect("read");
    kadian_registers::guard::check_xls("居民花名册.xls", &bytes).expect("within the limits");
    let grid = read_grid(&path).expect("read");
    assert_eq!(grid.sheet, "居民花名册");
    assert_eq!(grid.rows[1][0].text(), "姓名");
    assert_eq!(grid.rows[4][0].text(), "王五");
    let filled = grid.merges_filled_below(1);
    assert_eq!(filled.rows[4][3].text(), "曹思");
}

/// A village roster made to break the commit: a 户主 cell of 60 characters, a row with neither
/// an ID number nor a phone. The bad household's rows are errors in the report (never a failed
/// commit: every household the batch holds keeps its rules), and a resident known only by their
/// row is another person in another village's roster.
#[test]
fn a_village_roster_whose_household_cannot_be_stored_says_so_row_by_row() {
    use kadian_registers::{import_file, Divisions, ImportOptions, KnownCompound, RowStatus};
    let dir = tempfile::tempdir().expect("tmp");
    let roster = |village: &str| {
        format!(
            "平原街道{village}居民花名册\n序号,组,门牌号,户主姓名,姓名,与户主关系,性别,身份证号码,联系电话,户籍/常住\n\
             1,1组,9号,{long},{long},户主,男,,,户在人在\n\
             2,,,,王二,长子,男,,,户在人在\n\
             3,1组,10号,李四,李四,户主,男,,,户在人在\n",
            long = "王".repeat(60)
        )
    };
    let compounds = vec![
        KnownCompound {
            id: "v1".into(),
            name: "季庄村".into(),
            community_code: "411402001024".into(),
        },
        KnownCompound {
            id: "v2".into(),
            name: "刘庄村".into(),
            community_code: "411402001022".into(),
        },
    ];
    let mut ids = Vec::new();
    for village in ["季庄村", "刘庄村"] {
        let path = write(&dir, &format!("{village}.csv"), roster(village).as_bytes());
        let mut options =
            ImportOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 29).expect("date"));
        options.compounds = compounds.clone();
        let batch = import_file(&path, &options, &Divisions::bundled()).expect("import");
        let statuses: Vec<RowStatus> = batch.report.rows.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [RowStatus::Rejected, RowStatus::Rejected, RowStatus::Warned],
            "{village}: {:?}",
            batch.report.rows
        );
        let has =
            |row: usize, code: &str| batch.report.rows[row].issues.iter().any(|i| i.code == code);
        assert!(has(0, "too_long"), "{:?}", batch.report.rows[0].issues);
        assert!(has(1, "household_unknown"));
        assert!(batch
            .households
            .iter()
            .all(|h| kadian_domain::records::check_household(h).is_ok()));
        ids.push(batch.persons[0].id);
    }
    assert_ne!(
        ids[0], ids[1],
        "李四 of one village is not 李四 of the other"
    );
}
