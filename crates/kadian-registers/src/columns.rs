//! Finding the header row below title rows and "填报单位" lines, and placing each column by the
//! names staff actually write (姓名/名字, 身份证号/公民身份号码/证件号码, ...).

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::cells::{Cell, Grid};

/// A column Kadian knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// 序号
    Seq,
    /// 姓名
    Name,
    /// 性别
    Gender,
    /// 民族
    Ethnicity,
    /// 身份证号码
    IdNumber,
    /// 联系电话
    Phone,
    /// 住址
    Address,
    /// 社区代码
    CommunityCode,
    /// 社区
    Community,
    /// 小区
    Compound,
    /// 楼栋
    Building,
    /// 单元
    Unit,
    /// 门牌号
    Room,
    /// 人员类别
    Category,
    /// 从何地返回
    ReturnedFrom,
    /// 返回日期
    ReturnedOn,
    /// 交通方式
    Transport,
    /// 车次/航班/车牌
    TransportRef,
    /// 同行人数
    Companions,
    /// 体温
    Temperature,
    /// 症状
    Symptoms,
    /// 是否居家观察
    HomeObservation,
    /// 日期
    Date,
    /// 时间
    Time,
    /// 进/出
    Direction,
    /// 车牌号
    Plate,
    /// 事由
    Purpose,
    /// 去往 (where a visitor went: a building, a household)
    Destination,
    /// 登记人
    RecordedBy,
    /// 备注
    Remark,
    /// 隔离开始日期 (day 0 of a home observation)
    ObservationStart,
    /// 包保责任人 (the staff member who visits)
    Responsible,
    /// 责任人电话
    ResponsiblePhone,
    /// 组 (a village's group, 村民小组)
    Group,
    /// 户主姓名 (the head of the household a row belongs to)
    HouseholdHead,
    /// 与户主关系
    Relation,
    /// 户籍/常住 (户在人在, 户在人不在, 人在户不在)
    Residence,
    /// 外出务工地点 (where a member away lives)
    AwayPlace,
    /// 户籍地址 (a district check list: where the person is registered, not where they live)
    RegisteredAddress,
    /// 来源 (a district check list: where the lead came from: 大数据推送, 密切接触者…)
    LeadSource,
    /// 下发日期 (a district check list's row)
    IssuedOn,
    /// 核查要求 (what the district asks: 电话核实并入户排查…)
    CheckRequirement,
}

/// Exact header names, after folding width, removing spaces and brackets' content markers.
const SYNONYMS: &[(Column, &[&str])] = &[
    (
        Column::RegisteredAddress,
        &[
            "户籍地址",
            "户籍地",
            "户籍所在地",
            "户籍住址",
            "registered_address",
        ],
    ),
    (
        Column::LeadSource,
        &["来源", "信息来源", "线索来源", "数据来源"],
    ),
    (Column::IssuedOn, &["下发日期", "下发时间"]),
    (Column::CheckRequirement, &["核查要求", "核查事项"]),
    (Column::Seq, &["序号", "编号", "no", "no."]),
    (Column::Name, &["姓名", "名字", "人员姓名", "name"]),
    (Column::Gender, &["性别", "sex", "gender"]),
    (Column::Ethnicity, &["民族"]),
    (
        Column::IdNumber,
        &[
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "证件号码",
            "证件号",
            "身份证",
            "id_number",
        ],
    ),
    (
        Column::Phone,
        &[
            "联系电话",
            "手机号",
            "手机号码",
            "电话",
            "电话号码",
            "联系方式",
            "手机",
            "phone",
        ],
    ),
    (
        Column::Address,
        &[
            "住址",
            "现住址",
            "现居住地址",
            "家庭住址",
            "居住地址",
            "地址",
        ],
    ),
    (
        Column::CommunityCode,
        &["社区代码", "村居代码", "community_code"],
    ),
    (Column::Community, &["社区", "村", "社区(村)", "所属社区"]),
    (
        Column::Compound,
        &["小区", "小区名称", "自然村", "小区(自然村)", "compound"],
    ),
    (Column::Building, &["楼栋", "楼号", "楼栋号", "building"]),
    (Column::Unit, &["单元", "单元号", "unit"]),
    (Column::Room, &["门牌号", "房号", "房间号", "户号", "room"]),
    (
        Column::Category,
        &["人员类别", "类别", "人员类型", "居住类型", "category"],
    ),
    (
        Column::ReturnedFrom,
        &[
            "从何地返回",
            "来源地",
            "返回地",
            "从何处返回",
            "来自何地",
            "返乡前所在地",
            "returned_from",
            "returned_from_code",
        ],
    ),
    (
        Column::ReturnedOn,
        &[
            "返回日期",
            "返回时间",
            "返乡时间",
            "到达时间",
            "返乡日期",
            "到达日期",
            "抵达时间",
            "returned_on",
        ],
    ),
    (
        Column::Transport,
        &["交通方式", "交通工具", "出行方式", "transport"],
    ),
    (
        Column::TransportRef,
        &[
            "车次/航班/车牌",
            "车次/航班",
            "车次航班",
            "车次",
            "航班",
            "航班号",
            "车次/航班/车牌号",
            "transport_ref",
        ],
    ),
    (
        Column::Companions,
        &["同行人数", "同行人员", "随行人数", "companions"],
    ),
    (
        Column::Temperature,
        &[
            "体温",
            "返回时体温",
            "体温(℃)",
            "返回时体温(℃)",
            "测量体温",
            "体温℃",
            "temperature_c",
        ],
    ),
    (
        Column::Symptoms,
        &["有无发热咳嗽等症状", "症状", "有无症状"],
    ),
    (
        Column::HomeObservation,
        &["是否居家观察", "居家观察", "是否隔离"],
    ),
    (Column::Date, &["日期", "登记日期", "date"]),
    (
        Column::Time,
        &["时间", "登记时间", "进出时间", "time", "at"],
    ),
    (
        Column::Direction,
        &["进/出", "进出", "出入", "方向", "进出方向", "direction"],
    ),
    (Column::Plate, &["车牌号", "车牌", "车牌号码", "plate"]),
    (
        Column::Purpose,
        &["事由", "出入事由", "来访事由", "purpose"],
    ),
    (
        Column::Destination,
        &[
            "去往",
            "去往地点",
            "到访地址",
            "拜访地址",
            "走访楼栋",
            "destination",
        ],
    ),
    (
        Column::RecordedBy,
        &["登记人", "值班人", "记录人", "执勤人员", "recorded_by"],
    ),
    (Column::Remark, &["备注", "remark"]),
    (
        Column::Group,
        &["组", "组别", "小组", "村民小组", "所在组", "group"],
    ),
    (Column::HouseholdHead, &["户主姓名", "户主", "户主名"]),
    (
        Column::Relation,
        &["与户主关系", "与户主的关系", "家庭关系", "关系", "relation"],
    ),
    (
        Column::Residence,
        &[
            "户籍/常住",
            "户籍常住",
            "人户状态",
            "居住状态",
            "户籍/常住情况",
        ],
    ),
    (
        Column::AwayPlace,
        &[
            "外出务工地点",
            "外出务工地",
            "务工地点",
            "外出地点",
            "现在何地",
        ],
    ),
    (
        Column::ObservationStart,
        &[
            "隔离开始日期",
            "隔离开始时间",
            "隔离起始日期",
            "观察开始日期",
            "观察起始日期",
            "居家观察开始日期",
            "开始观察日期",
            "开始隔离日期",
            "observation_start",
        ],
    ),
    (
        Column::Responsible,
        &[
            "包保责任人",
            "包保人",
            "责任人",
            "包保干部",
            "随访责任人",
            "responsible_name",
        ],
    ),
    (
        Column::ResponsiblePhone,
        &[
            "责任人电话",
            "包保人电话",
            "包保责任人电话",
            "责任人联系电话",
            "responsible_phone",
        ],
    ),
];

/// Folds a header cell for matching: NFKC, no white space, lower case, `（）` as `()`.
fn fold(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Places one header name, or `None`.
pub fn place(header: &str) -> Option<Column> {
    let f = fold(header);
    if f.is_empty() {
        return None;
    }
    if let Some((c, _)) = SYNONYMS
        .iter()
        .find(|(_, names)| names.iter().any(|n| fold(n) == f))
    {
        return Some(*c);
    }
    // Looser: a known word inside a longer header ("返回时体温(℃)", "身份证号码(18位)").
    let contains = |w: &str| f.contains(w);
    let staff = contains("责任人") || contains("包保");
    Some(if staff && (contains("电话") || contains("手机")) {
        Column::ResponsiblePhone
    } else if staff {
        Column::Responsible
    } else if (contains("隔离") || contains("观察"))
        && (contains("日期") || contains("时间"))
        && !["结束", "解除", "期满", "截止", "到期"]
            .iter()
            .any(|w| contains(w))
    {
        Column::ObservationStart
    } else if contains("户主") && contains("关系") {
        Column::Relation
    } else if contains("户主") {
        Column::HouseholdHead
    } else if contains("身份证") || contains("证件号") {
        Column::IdNumber
    } else if contains("体温") {
        Column::Temperature
    } else if contains("电话") || contains("手机") {
        Column::Phone
    } else if contains("姓名") {
        Column::Name
    } else if contains("车次") || contains("航班") {
        Column::TransportRef
    } else if contains("车牌") {
        Column::Plate
    } else if contains("何地") || contains("来源地") {
        Column::ReturnedFrom
    } else if contains("返回") && (contains("日期") || contains("时间")) {
        Column::ReturnedOn
    } else if contains("户籍") && (contains("地址") || contains("住址")) {
        Column::RegisteredAddress
    } else if contains("住址") || contains("地址") {
        Column::Address
    } else {
        return None;
    })
}

/// The header row and where each column is.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderMatch {
    /// Index into `Grid::rows` (the Excel row number minus 1).
    pub index: usize,
    /// Placed columns: (cell index, column).
    pub columns: Vec<(usize, Column)>,
    /// Header texts that could not be placed, in order.
    pub unmapped: Vec<String>,
}

impl HeaderMatch {
    /// The cell index of a column, if present (the first, when a name repeats).
    pub fn find(&self, column: Column) -> Option<usize> {
        self.columns
            .iter()
            .find(|(_, c)| *c == column)
            .map(|(i, _)| *i)
    }
}

/// The first of the first 20 rows in which at least three cells name known columns, one of
/// them a name, ID, phone or direction column. Title rows and "填报单位：" lines do not qualify.
pub fn find_header(grid: &Grid) -> Option<HeaderMatch> {
    grid.rows
        .iter()
        .take(20)
        .enumerate()
        .find_map(|(index, row)| {
            let mut columns = Vec::new();
            let mut unmapped = Vec::new();
            for (i, cell) in row.iter().enumerate() {
                let Cell::Text(t) = cell else { continue };
                match place(t) {
                    Some(c) => columns.push((i, c)),
                    None => unmapped.push(t.trim().to_owned()),
                }
            }
            let key = columns.iter().any(|(_, c)| {
                matches!(
                    c,
                    Column::Name | Column::IdNumber | Column::Phone | Column::Direction
                )
            });
            (columns.len() >= 3 && key).then_some(HeaderMatch {
                index,
                columns,
                unmapped,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::{place, Column};

    #[test]
    fn a_village_rosters_household_columns_are_not_its_name() {
        assert_eq!(place("户主姓名"), Some(Column::HouseholdHead));
        assert_eq!(place("姓名"), Some(Column::Name));
        assert_eq!(place("与户主关系"), Some(Column::Relation));
        assert_eq!(place("户主（签字）关系"), Some(Column::Relation));
        assert_eq!(place("组"), Some(Column::Group));
        assert_eq!(place("户籍/常住"), Some(Column::Residence));
        assert_eq!(place("外出务工地点"), Some(Column::AwayPlace));
    }

    #[test]
    fn observation_columns_are_told_apart() {
        assert_eq!(place("隔离开始日期"), Some(Column::ObservationStart));
        assert_eq!(place("居家隔离起始时间"), Some(Column::ObservationStart));
        assert_eq!(place("包保责任人"), Some(Column::Responsible));
        assert_eq!(place("责任人电话"), Some(Column::ResponsiblePhone));
        assert_eq!(place("包保干部联系电话"), Some(Column::ResponsiblePhone));
        assert_eq!(place("联系电话"), Some(Column::Phone));
        // An end date is not day 0.
        for end in [
            "解除隔离日期",
            "隔离结束日期",
            "观察期满日期",
            "隔离截止时间",
        ] {
            assert_eq!(place(end), None, "{end}");
        }
    }
}
