fn main() {
    yinhuan_app::start();
}
