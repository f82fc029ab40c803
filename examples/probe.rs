fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let cat = eksgen::catalog::Catalog::embedded();
    match eksgen::intent::parse_and_validate(&text, &path, cat) {
        Err(e) => println!("{e}"),
        Ok(i) => match eksgen::resolve::resolve(&i, cat) {
            Ok(p) => println!("{}", serde_json::to_string_pretty(&p).unwrap()),
            Err(d) => println!("{d:?}"),
        },
    }
}
